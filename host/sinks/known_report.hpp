// Reports of known-file detection: OUTPUT/known/files.jsonl (one record per known file found by
// its blocks), known/runs.jsonl (every run of blocks), known/alerts.jsonl (carved files that a
// known-bad set holds), the summary's "known" section and the observer's records.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "trawl/trawl.hpp"

namespace trawl::detail {

nlohmann::json known_file_record(const std::string& image, const KnownFileReport& f);
nlohmann::json known_run_record(const std::string& image, const KnownSummary& s, const KnownRun& run);
// For a carved file that a known-bad set holds.
nlohmann::json known_alert_record(const std::string& image, const CarvedFile& f);
nlohmann::json known_json(const KnownSummary& s, const KnownOptions& o);
// Writes the known/ folder (nothing when neither block matching nor hash sets ran).
void write_known_outputs(const std::filesystem::path& output, const ScanReport& report, const KnownOptions& o);

}  // namespace trawl::detail
