#include "host/merge/merge.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "host/core/forensic_path.hpp"
#include "host/hashing/block_digest_file.hpp"
#include "host/scanners/identifier_scanner.hpp"
#include "host/sinks/carve_report.hpp"
#include "host/sinks/feature_sink.hpp"
#include "host/sinks/output_dir.hpp"
#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace trawl::detail {
namespace {

struct Part {
  fs::path folder;
  json summary;
  std::uint64_t offset = 0, length = 0;
};

[[noreturn]] void bad_part(const Part& p, const std::string& why) {
  throw Error(ErrorKind::input, "merge: " + in_quotes(p.folder.string()) + " " + why);
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::input, "merge: cannot read " + in_quotes(path.string()));
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) throw Error(ErrorKind::input, "merge: " + in_quotes(path.string()) + " is not JSON");
  return j;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// --- block digests -------------------------------------------------------------------------

std::uint64_t merge_blocks(const std::vector<Part>& parts, const std::string& algorithm, const fs::path& output) {
  const std::string name = "blocks." + algorithm;
  BlockFileHeader whole;
  std::unique_ptr<BlockDigestWriter> writer;
  std::uint64_t expected = 0;  // the next block the joined file needs
  for (const auto& p : parts) {
    std::vector<std::byte> digests;
    std::uint64_t first = 0;
    const auto h = read_block_file(p.folder / name, [&](std::uint64_t index, std::span<const unsigned char> d) {
      if (digests.empty()) first = index;
      const auto* b = reinterpret_cast<const std::byte*>(d.data());
      digests.insert(digests.end(), b, b + d.size());
    });
    if (!writer) {
      whole = h;
      writer = std::make_unique<BlockDigestWriter>(output / name, h.algorithm, h.block_size);
    }
    if (h.algorithm != whole.algorithm || h.block_size != whole.block_size || h.image_size != whole.image_size)
      bad_part(p, "has a " + name + " of another algorithm, block size or image");
    if (h.first_block != expected) bad_part(p, "holds blocks from " + std::to_string(h.first_block) + ", expected " + std::to_string(expected));
    if (!digests.empty()) writer->write(first, digests);
    expected = h.first_block + h.held();
  }
  if (expected != whole.block_count) throw Error(ErrorKind::input, "merge: the parts' " + name + " files do not cover the image");
  writer->close(whole.image_size);
  return whole.block_count;
}

// --- identifier features -------------------------------------------------------------------

struct FeatureRecord {
  std::string line;  // as written by the part (features.jsonl / dropped.jsonl)
  json j;
  std::string type, path;
  std::string container;  // the path's container (host/core/forensic_path.hpp): "" for the image
  std::uint64_t image_offset = 0, inner = 0, length = 0;
  bool image_level = false;  // found in the image's own bytes, not in decoded data
  bool kept_by_part = true;
};

FeatureRecord parse_feature(std::string line, bool kept) {
  FeatureRecord r;
  r.j = json::parse(line, nullptr, false);
  r.line = std::move(line);
  r.kept_by_part = kept;
  if (!r.j.is_object()) return r;
  r.type = r.j.value("type", "");
  r.path = r.j.value("path", "");
  r.image_offset = r.j.value("offset", 0ull);
  r.length = r.j.value("length", 0ull);
  const auto where = parse_forensic_path(r.path);
  r.image_level = r.path == std::to_string(r.image_offset);
  // A path that is not a forensic path (a part from elsewhere) sorts as its own container.
  r.container = r.image_level ? "" : where ? where->container() : r.path;
  r.inner = r.image_level || !where ? r.image_offset : where->position();
  return r;
}

// The order sort_features gives: image offset, path, offset inside it, longest first.
bool report_order(const FeatureRecord& a, const FeatureRecord& b) {
  if (a.image_offset != b.image_offset) return a.image_offset < b.image_offset;
  if (a.container != b.container) return a.container < b.container;
  if (a.inner != b.inner) return a.inner < b.inner;
  return a.length > b.length;
}

struct FeatureMerge {
  std::vector<std::string> types;  // feature files, from the parts
  std::map<std::string, std::string> headers;
  std::map<std::string, std::vector<std::string>> lines;  // type -> feature-file lines
  std::vector<std::string> records;                      // features.jsonl
  std::vector<std::string> alerts;
  std::map<std::string, std::map<std::string, std::uint64_t>> histograms;
  std::map<std::string, std::uint64_t> counts;
  std::uint64_t invalid = 0;
  OverlapFilter image_level;  // the whole run's filter over image-level features (the scan's rule)
};

void merge_features(const Part& p, FeatureMerge& m) {
  const fs::path dir = p.folder / "features";
  std::vector<FeatureRecord> all;
  for (auto& line : read_lines(dir / "features.jsonl")) all.push_back(parse_feature(std::move(line), true));
  if (fs::exists(dir / "dropped.jsonl"))
    for (auto& line : read_lines(dir / "dropped.jsonl")) all.push_back(parse_feature(std::move(line), false));
  std::stable_sort(all.begin(), all.end(), report_order);

  // The part's feature-file lines, per type, in the order of its kept records.
  std::map<std::string, std::vector<std::string>> part_lines;
  std::map<std::string, std::size_t> next_line;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".txt") || name.ends_with("_histogram.txt") || name == "alerts.txt") continue;
    const std::string type = name.substr(0, name.size() - 4);
    auto text = read_lines(entry.path());
    std::string header;
    std::vector<std::string> body;
    for (auto& l : text) (l.starts_with("#") && body.empty() ? header += l + "\n" : (body.push_back(l), header));
    if (!m.headers.count(type)) {
      m.headers[type] = header;
      m.types.push_back(type);
    }
    part_lines[type] = std::move(body);
  }
  std::set<std::string> removed_paths;
  for (auto& r : all) {
    if (!r.j.is_object()) bad_part(p, "has a damaged features.jsonl line");
    // Features inside decoded data were filtered by the part that decoded their stream; image-level
    // ones may overlap across a part boundary, so the run's filter sees them all again.
    const bool admit = !r.image_level || m.image_level.admit(r.type, "", r.image_offset, r.length);
    std::string text_line;
    if (r.kept_by_part) {
      auto& body = part_lines[r.type];
      auto& at = next_line[r.type];
      if (at >= body.size()) bad_part(p, "has fewer " + r.type + " feature lines than features.jsonl records");
      text_line = body[at++];
    } else {
      text_line = r.path + "\t" + feature_field(r.j.value("raw", "")) + "\t" + r.j.value("context", "");
    }
    if (!admit) {
      if (r.kept_by_part) removed_paths.insert(r.path);
      continue;
    }
    if (!m.headers.count(r.type)) {
      m.headers[r.type] = "";  // a type the part dropped entirely: take the header of another part
      m.types.push_back(r.type);
    }
    m.lines[r.type].push_back(std::move(text_line));
    m.records.push_back(r.line);
    ++m.counts[r.type];
    if (r.j.value("valid", true)) ++m.histograms[r.type][r.j.value("normalised", "")];
    else ++m.invalid;
  }
  for (auto& line : read_lines(dir / "alerts.txt"))
    if (!removed_paths.count(line.substr(0, line.find('\t')))) m.alerts.push_back(line);
}

void write_lines(const fs::path& path, const std::string& head, const std::vector<std::string>& lines) {
  std::string text = head;
  for (const auto& l : lines) text += l + "\n";
  write_file_atomically(path, text);
}

// --- carving ---------------------------------------------------------------------------------

}  // namespace

MergeReport merge_ranges(const std::vector<fs::path>& folders, const fs::path& output, bool force, const fs::path& hashes) {
  if (folders.empty()) throw Error(ErrorKind::options, "merge: no part folders given");
  std::vector<Part> parts;
  for (const auto& folder : folders) {
    Part p{folder, read_json(folder / "summary.json")};
    if (p.summary.value("schema", "") != "trawl-summary") bad_part(p, "holds no trawl summary");
    if (p.summary.value("interrupted", true)) bad_part(p, "is the output of an interrupted run");
    p.offset = p.summary["range"].value("offset", 0ull);
    p.length = p.summary["range"].value("length", 0ull);
    parts.push_back(std::move(p));
  }
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.offset < b.offset; });
  const json& first = parts.front().summary;
  const std::uint64_t image_size = first["image"].value("size", 0ull);
  std::uint64_t covered = 0;
  for (const auto& p : parts) {
    if (p.summary["image"] != first["image"]) bad_part(p, "is the output of another image");
    if (p.summary["options"] != first["options"]) bad_part(p, "was scanned with other options");
    if (p.summary["carving"].value("types", json::array()) != first["carving"].value("types", json::array()))
      bad_part(p, "was carved for other formats");
    if (p.summary.contains("known") && p.summary["known"].value("block_matching", false))
      bad_part(p, "matched known blocks: merge cannot join known-block reports yet (scan the ranges without "
                  "KnownOptions::block_db and match the whole image, or read each part's known/ folder)");
    if (p.offset != covered)
      bad_part(p, "starts at " + std::to_string(p.offset) + " but the parts before it end at " + std::to_string(covered));
    covered = p.offset + p.length;
  }
  if (covered != image_size)
    throw Error(ErrorKind::input, "merge: the parts end at " + std::to_string(covered) + ", the image has " +
                                      std::to_string(image_size) + " bytes");
  json image_hashes = json::object();
  if (!hashes.empty()) {
    Part h{hashes, read_json(hashes / "summary.json")};
    if (h.summary["image"] != first["image"]) bad_part(h, "is the output of another image");
    if (h.summary.value("interrupted", true) || h.summary["range"].value("length", 0ull) != image_size)
      bad_part(h, "did not hash the whole image");
    image_hashes = h.summary.value("hashes", json::object());
    if (image_hashes.empty()) bad_part(h, "holds no image hashes");
  }
  prepare_output_dir(output, force, {});
  MergeReport report{image_size, parts.size()};
  json summary = first;

  // Block digests.
  json blocks = json::array();
  for (const auto& b : first["block_hashes"]) {
    json entry = b;
    entry["blocks"] = merge_blocks(parts, b.value("algorithm", ""), output);
    blocks.push_back(entry);
  }
  summary["block_hashes"] = blocks;

  // Identifier features.
  if (fs::exists(parts.front().folder / "features")) {
    FeatureMerge m;
    std::uint64_t streams = 0, decoded = 0;
    for (const auto& p : parts) {
      merge_features(p, m);
      if (p.summary.contains("identifiers")) {
        streams += p.summary["identifiers"].value("decoded_streams", 0ull);
        decoded += p.summary["identifiers"].value("decoded_bytes", 0ull);
      }
    }
    fs::create_directories(output / "features");
    for (const auto& type : m.types) write_lines(output / "features" / (type + ".txt"), m.headers[type], m.lines[type]);
    write_lines(output / "features" / "features.jsonl", "", m.records);
    if (!m.alerts.empty()) write_lines(output / "features" / "alerts.txt", "", m.alerts);
    json counts = json::object(), distinct = json::object();
    for (const auto& [type, histogram] : m.histograms) {
      std::vector<std::pair<std::string, std::uint64_t>> rows(histogram.begin(), histogram.end());
      std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      std::vector<std::string> lines;
      for (const auto& [feature, n] : rows) lines.push_back("n=" + std::to_string(n) + "\t" + feature_field(feature));
      write_lines(output / "features" / (type + "_histogram.txt"), "", lines);
      distinct[type] = histogram.size();
    }
    for (const auto& [type, n] : m.counts) counts[type] = n;
    report.features = m.records.size();
    if (summary.contains("identifiers")) {
      summary["identifiers"]["counts"] = counts;
      summary["identifiers"]["distinct"] = distinct;
      summary["identifiers"]["invalid_kept"] = m.invalid;
      summary["identifiers"]["decoded_streams"] = streams;
      summary["identifiers"]["decoded_bytes"] = decoded;
    }
  }

  // Carved files: joined in offset order, copied, parents derived again.
  if (fs::exists(parts.front().folder / "carved" / "files.jsonl")) {
    std::vector<json> records;
    std::map<std::string, CarveTally> tally;
    for (const auto& p : parts) {
      for (const auto& line : read_lines(p.folder / "carved" / "files.jsonl")) {
        json j = json::parse(line, nullptr, false);
        if (!j.is_object()) bad_part(p, "has a damaged carved/files.jsonl line");
        const std::string file = j.value("file", "");
        if (!file.empty()) {
          fs::create_directories((output / file).parent_path());
          fs::copy_file(p.folder / file, output / file, fs::copy_options::overwrite_existing);
        }
        records.push_back(std::move(j));
      }
      for (const auto& [type, t] : p.summary["carving"]["per_type"].items()) {
        auto& sum = tally[type];
        sum.hits += t.value("hits", 0ull);
        sum.carved += t.value("carved", 0ull);
        sum.valid += t.value("valid", 0ull);
        sum.truncated += t.value("truncated", 0ull);
        sum.corrupt += t.value("corrupt", 0ull);
        sum.bytes += t.value("bytes", 0ull);
        sum.reassembled += t.value("reassembled", 0ull);
        sum.reassembly_tried += t.value("reassembly_tried", 0ull);
        sum.reassembly_skipped += t.value("reassembly_skipped", 0ull);
      }
    }
    ScanReport whole;
    whole.image = first["image"].value("path", "");
    whole.image_size = image_size;
    for (const auto& j : records) whole.carved.push_back(carved_file_from_record(j));
    assign_parents(whole.carved, tally);
    // The records as the whole run writes them: every field as the part wrote it, the parent
    // derived again over all parts.
    for (std::size_t i = 0; i < records.size(); ++i)
      records[i]["parent"] = whole.carved[i].parent ? json(*whole.carved[i].parent) : json(nullptr);
    whole.carve_tally = tally;
    ScanOptions options;
    const json& carving = first["carving"];
    options.carve.types = carving.value("types", std::vector<std::string>{});
    if (!parse_choice(carving.value("mode", "validated"), options.carve.mode))
      throw Error(ErrorKind::input, "merge: the parts' summary.json names an unknown carve mode");
    options.carve.max_size = carving.value("max_size", 0ull);
    options.carve.align = carving.value("align", 1u);
    options.output = output;
    std::string lines;
    for (const auto& j : records) lines += j.dump() + "\n";
    // The folder exists only when a part carved a file (the copies made it): parts that carved
    // nothing left it absent, and the reports failed with "No such file or directory".
    std::error_code ec;
    fs::create_directories(output / "carved", ec);
    write_file_atomically(output / "carved" / "files.jsonl", lines);
    write_file_atomically(output / "carved" / "report.xml", carve_dfxml(whole, options, first.value("started_utc", "")));
    summary["carving"] = carving_json(whole, options);
    report.carved = records.size();
  }

  // Carved files matched against hash sets: the counts add up, the alerts join in offset order.
  if (first.contains("known") && first["known"].contains("carved")) {
    json carved = json::object();
    std::vector<std::string> alerts;
    for (const auto& p : parts) {
      for (const auto& [key, n] : p.summary["known"]["carved"].items()) carved[key] = carved.value(key, 0ull) + n.get<std::uint64_t>();
      for (auto& line : read_lines(p.folder / "known" / "alerts.jsonl")) alerts.push_back(std::move(line));
    }
    summary["known"]["carved"] = carved;
    fs::create_directories(output / "known");
    write_lines(output / "known" / "alerts.jsonl", "", alerts);
  }

  // The summary: the whole image, no image hashes, what each part read.
  json bad = json::array();
  json sources = json::array();
  for (const auto& p : parts) {
    for (const auto& b : p.summary["bad_ranges"]) bad.push_back(b);
    sources.push_back({{"folder", p.folder.string()}, {"offset", p.offset}, {"length", p.length}});
  }
  summary["range"] = {{"offset", 0}, {"length", image_size}};
  summary["bad_ranges"] = bad;
  // Range runs also read past their ends (the margin): the image's bytes were read once each.
  std::uint64_t unreadable = 0;
  for (const auto& b : bad) unreadable += b.value("length", 0ull);
  summary["bytes_read"] = image_size - std::min(unreadable, image_size);
  summary["hashes"] = image_hashes;
  if (!image_hashes.empty()) {
    std::vector<std::string> names;
    for (const auto& [name, hex] : image_hashes.items()) names.push_back(name);
    summary["options"]["image_hashes"] = names;
    fs::copy_file(hashes / "hashes.txt", output / "hashes.txt", fs::copy_options::overwrite_existing);
  }
  summary["merged_from"] = sources;
  summary["exit_code"] = bad.empty() ? 0 : static_cast<int>(ExitCode::read_errors);
  write_file_atomically(output / "summary.json", summary.dump(2) + "\n");
  return report;
}

}  // namespace trawl::detail
