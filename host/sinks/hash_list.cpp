#include "host/sinks/hash_list.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/hashing/algorithms.hpp"
#include "host/util/text.hpp"

namespace trawl::detail {
namespace {

bool is_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

std::string format_hash_list(const std::string& image, const std::vector<ImageDigest>& digests) {
  std::string out;
  for (const auto& d : digests) out += std::string(info(image_algorithm(d.algorithm)).tag) + " (" + image + ") = " + d.hex + "\n";
  return out;
}

std::vector<ImageDigest> read_expected_hashes(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::input, "cannot open " + in_quotes(file.string()));
  std::stringstream text;
  text << in.rdbuf();
  std::string contents = text.str();
  std::vector<ImageDigest> expected;

  auto first = contents.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && contents[first] == '{') {
    auto summary = nlohmann::json::parse(contents, nullptr, false);
    if (summary.is_discarded() || !summary.contains("hashes"))
      throw Error(ErrorKind::input, in_quotes(file.string()) + " is not a trawl summary.json");
    for (const auto& [name, hex] : summary["hashes"].items()) expected.push_back({name, hex.get<std::string>()});
  } else {
    std::istringstream lines(contents);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      auto open = line.find(" (");
      auto equals = line.rfind(") = ");
      if (open != std::string::npos && equals != std::string::npos && equals > open) {
        const AlgorithmInfo* a = by_tag(line.substr(0, open));
        std::string hex = line.substr(equals + 4);
        if (a && a->image && is_hex(hex) && hex.size() == 2 * a->digest_size) {
          expected.push_back({std::string(a->name), lower(hex)});
          continue;
        }
      }
      std::string hex = line.substr(0, line.find_first_of(" \t"));
      if (!is_hex(hex)) continue;
      std::string_view name;
      switch (hex.size()) {
        case 32: name = "md5"; break;
        case 40: name = "sha1"; break;
        case 64: name = "sha256"; break;
        case 128: name = "sha512"; break;
        default: continue;
      }
      expected.push_back({std::string(name), lower(hex)});
    }
  }
  if (expected.empty()) throw Error(ErrorKind::input, "no hashes found in " + in_quotes(file.string()));
  return expected;
}

}  // namespace trawl::detail
