#include "host/sinks/summary.hpp"

#include "host/sinks/carve_report.hpp"

namespace trawl::detail {

nlohmann::json summary_json(const ScanReport& r, const ScanOptions& o, const RunTimes& times) {
  using nlohmann::json;
  json bad = json::array();
  for (const auto& b : r.bad_ranges) bad.push_back({{"offset", b.offset}, {"length", b.length}});
  json hashes = json::object();
  for (const auto& d : r.image_hashes) hashes[d.algorithm] = d.hex;
  json blocks = json::array();
  for (const auto& b : r.block_hashes)
    blocks.push_back({{"algorithm", b.algorithm}, {"file", b.file.filename().string()}, {"block_size", o.block_size}, {"blocks", b.blocks}});
  json stages = json::object();
  for (const auto& [name, seconds] : r.stage_seconds) stages[name] = seconds;
  const double mbps = r.wall_seconds > 0 ? static_cast<double>(r.image_size) / r.wall_seconds / 1e6 : 0.0;
  return {
      {"schema", "trawl-summary"},
      {"schema_version", summary_schema_version},
      {"tool", {{"name", "trawl"}, {"version", std::string(version())}}},
      {"image", {{"path", r.image}, {"kind", r.source_kind}, {"size", r.image_size}}},
      {"device", {{"label", r.label}, {"notes", r.notes}}},
      {"range", {{"offset", r.range.offset}, {"length", r.range.length}}},
      {"backend", {{"name", to_string(r.backend)}, {"notice", r.backend_notice}}},
      {"options",
       {{"page_size", o.page_size},
        {"margin", o.margin},
        {"buffers", o.buffers},
        {"threads", o.threads},
        {"block_size", o.block_size},
        {"sector_size", o.sector_size},
        {"image_hashes", o.image_hashes},
        {"block_hashes", o.block_hashes}}},
      {"bytes_read", r.bytes_read},
      {"bad_ranges", bad},
      {"hashes", hashes},
      {"block_hashes", blocks},
      {"carving", carving_json(r, o)},
      {"timings", {{"wall_s", r.wall_seconds}, {"stages_busy_s", stages}}},
      {"throughput_MBps", mbps},
      {"started_utc", times.started_utc},
      {"finished_utc", times.finished_utc},
      {"interrupted", r.interrupted},
      {"exit_code", static_cast<int>(r.exit_code())},
  };
}

nlohmann::json image_record(const ScanReport& r, const std::vector<std::string>& files) {
  return {{"record", "image"}, {"image", r.image}, {"kind", r.source_kind}, {"files", files}, {"backend", to_string(r.backend)}};
}

nlohmann::json bad_range_record(const std::string& image, const ByteRange& range) {
  return {{"record", "bad_range"}, {"image", image}, {"offset", range.offset}, {"length", range.length}};
}

nlohmann::json image_hash_record(const std::string& image, const ImageDigest& digest) {
  return {{"record", "image_hash"}, {"image", image}, {"algorithm", digest.algorithm}, {"digest", digest.hex}};
}

void add_stored_evidence_json(nlohmann::json& summary, const ScanReport& r) {
  if (!r.acquisition.empty()) summary["acquisition"] = r.acquisition;
  if (r.verification.empty()) return;
  nlohmann::json verification = nlohmann::json::object();
  for (const auto& v : r.verification)
    verification[v.algorithm] = {{"stored", v.stored}, {"computed", v.computed}, {"match", v.match}};
  summary["verification"] = verification;
}

}  // namespace trawl::detail
