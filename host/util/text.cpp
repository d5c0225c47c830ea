#include "host/util/text.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>

#include "trawl/trawl.hpp"

namespace trawl::detail {

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

std::string to_hex(std::span<const std::byte> bytes) {
  return to_hex(std::span(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()));
}

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr == text.data())
    throw Error(ErrorKind::options, std::string(what) + ": '" + std::string(text) + "' is not a size (e.g. 4096, 64K, 16M)");
  std::string_view suffix(ptr, static_cast<std::size_t>(end - ptr));
  unsigned shift = 0;
  if (suffix.empty()) shift = 0;
  else if (suffix == "k" || suffix == "K" || suffix == "KiB") shift = 10;
  else if (suffix == "m" || suffix == "M" || suffix == "MiB") shift = 20;
  else if (suffix == "g" || suffix == "G" || suffix == "GiB") shift = 30;
  else throw Error(ErrorKind::options, std::string(what) + ": unknown unit in '" + std::string(text) + "' (use K, M or G)");
  if (shift && value > (UINT64_MAX >> shift))
    throw Error(ErrorKind::options, std::string(what) + ": '" + std::string(text) + "' is too large");
  return value << shift;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto part = text.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) parts.emplace_back(part);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return parts;
}

std::string errno_text(int err) { return std::strerror(err); }

std::string in_quotes(std::string_view path) { return "'" + std::string(path) + "'"; }

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
        else out += c;
    }
  }
  return out;
}

}  // namespace trawl::detail
