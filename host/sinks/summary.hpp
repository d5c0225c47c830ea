// summary.json and the JSON Lines records: the machine-readable face of a run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "trawl/trawl.hpp"

namespace trawl::detail {

// Bumped whenever a field changes meaning or disappears (adding fields keeps the version).
inline constexpr int summary_schema_version = 1;

struct RunTimes {
  std::string started_utc;
  std::string finished_utc;
};

nlohmann::json summary_json(const ScanReport& report, const ScanOptions& options, const RunTimes& times);

// JSON Lines records, one object each, tagged by "record".
nlohmann::json image_record(const ScanReport& report, const std::vector<std::string>& files);
nlohmann::json bad_range_record(const std::string& image, const ByteRange& range);
nlohmann::json image_hash_record(const std::string& image, const ImageDigest& digest);

// What an evidence container (E01) recorded: "acquisition" (its metadata) and "verification"
// (per algorithm: stored, computed, match); nothing for raw images.
void add_stored_evidence_json(nlohmann::json& summary, const ScanReport& report);

}  // namespace trawl::detail
