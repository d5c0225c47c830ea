#include "host/sinks/known_report.hpp"

#include "host/filesystem/file_report.hpp"
#include "host/sinks/output_dir.hpp"

namespace trawl::detail {

nlohmann::json known_file_record(const std::string& image, const KnownFileReport& f) {
  return {{"record", "known_file"},      {"image", image},
          {"file", f.file},              {"size", f.size},
          {"sha256", f.sha256},          {"blocks_total", f.blocks_total},
          {"blocks_probative", f.blocks_probative}, {"blocks_found", f.blocks_found},
          {"fraction", f.fraction},      {"runs", f.runs},
          {"offsets", f.offsets}};
}

nlohmann::json known_run_record(const std::string& image, const KnownSummary& s, const KnownRun& run) {
  nlohmann::json j{{"record", "known_run"}, {"image", image},          {"offset", run.offset},         {"file", s.files[run.file].file},
                   {"first_block", run.first_block}, {"last_block", run.last_block}, {"blocks", run.blocks}};
  if (run.fs) j["fs"] = file_context_json(*run.fs);
  return j;
}

nlohmann::json known_alert_record(const std::string& image, const CarvedFile& f) {
  return {{"record", "alert"},   {"kind", "known-bad"},        {"image", image},          {"offset", f.offset},
          {"length", f.length},  {"type", f.type},             {"file", f.file},          {"md5", f.md5},
          {"sha256", f.sha256},  {"set", f.known->set},        {"name", f.known->name}};
}

nlohmann::json known_json(const KnownSummary& s, const KnownOptions& o) {
  nlohmann::json j{{"block_matching", s.enabled}, {"hash_sets", o.hash_sets}};
  if (s.enabled) {
    std::uint64_t runs = s.runs.size();
    j["block_db"] = o.block_db;
    j["block_size"] = s.block_size;
    j["block_step"] = s.step;
    j["candidates"] = s.candidates;
    j["block_hits"] = s.block_hits;
    j["files"] = s.files.size();
    j["runs"] = runs;
  }
  if (!o.hash_sets.empty())
    j["carved"] = {{"known_good", s.carved_known_good}, {"known_bad", s.carved_known_bad}, {"custom", s.carved_custom},
                   {"not_kept", s.carved_not_kept}};
  return j;
}

void write_known_outputs(const std::filesystem::path& output, const ScanReport& report, const KnownOptions& o) {
  if (!report.known.enabled && o.hash_sets.empty()) return;
  const auto dir = output / "known";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (report.known.enabled) {
    std::string files, runs;
    for (const auto& f : report.known.files) files += known_file_record(report.image, f).dump() + "\n";
    for (const auto& r : report.known.runs) runs += known_run_record(report.image, report.known, r).dump() + "\n";
    write_file_atomically(dir / "files.jsonl", files);
    write_file_atomically(dir / "runs.jsonl", runs);
  }
  if (!o.hash_sets.empty()) {
    std::string alerts;
    for (const auto& f : report.carved)
      if (f.known && f.known->label == "known-bad") alerts += known_alert_record(report.image, f).dump() + "\n";
    write_file_atomically(dir / "alerts.jsonl", alerts);
  }
}

}  // namespace trawl::detail
