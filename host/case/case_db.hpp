// The case database: what many scans found, in one SQLite file (schema: docs/case-database.md).
// `trawl case build` loads scan output folders into it; `trawl case correlate` reads it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/case/database.hpp"

namespace trawl::detail {

// Bumped whenever a table or column changes meaning or goes; stored in meta.schema_version (and
// PRAGMA user_version in SQLite). A reader refuses any other version (no silent migrations).
inline constexpr int case_schema_version = 2;

// The whole schema, one SQL text (also printed by `trawl case schema`).
std::string_view case_schema_sql();

// Throws Error(input) unless db holds a trawl case of case_schema_version.
void check_case_schema(Database& db);

struct CaseBuildOptions {
  bool force = false;   // replace an existing database file (SQLite)
  bool append = false;  // add the folders to an existing case (a label already there is an error)
  bool resume = false;  // add the folders whose label is not in the case yet (the rest are skipped)
};

struct CaseBuildReport {
  std::uint64_t devices = 0;      // loaded by this run
  std::uint64_t skipped = 0;      // already in the case (--resume)
  std::uint64_t occurrences = 0;  // feature records loaded
  std::uint64_t carved_files = 0;
  std::uint64_t identifiers = 0;  // distinct (type, normalised) in the whole case afterwards
  double seconds = 0;
};

// Loads every folder (a `trawl scan` output: summary.json, features/features.jsonl,
// carved/files.jsonl) as one device, one transaction per folder; a batch output folder (no
// summary.json, sub-folders that have one) loads each of its scans. A folder that is missing, not
// a scan output, or holds a malformed record is an Error(input) before anything is written.
// target: a SQLite file (a new one is written next to its final name and renamed at the end, so a
// failed build leaves no half case behind) or a postgresql:// URL (the first build creates the
// schema; devices commit one by one, so a killed loader leaves whole devices only).
CaseBuildReport build_case(const std::string& target, const std::vector<std::filesystem::path>& folders,
                           const CaseBuildOptions& options);

// Where a feature sits for nearness: its forensic path up to the last component (the decoded
// stream that holds it; "" for the image itself) and its offset there. container is nullopt
// when the path has no position trawl can read (such features are never "near" anything).
struct StreamPosition {
  std::optional<std::string> container;
  std::int64_t offset = 0;
};
StreamPosition stream_position(const std::string& path, std::int64_t offset);

// A device's label when its summary.json names none: the output folder's own name.
std::string folder_label(const std::filesystem::path& folder);

}  // namespace trawl::detail
