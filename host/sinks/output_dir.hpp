// The output folder: checked before anything is read, written only through these helpers.
#pragma once

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "host/util/atomic_file.hpp"

namespace trawl::detail {

// Creates `dir` if missing. Refuses (Error(output)) a path that is not a folder, a folder that
// is not empty unless `force`, one inside the folder of an evidence file unless `force` (before
// creating anything), and one that cannot be written. Returns warnings, one line each (output
// inside an evidence folder, forced).
std::vector<std::string> prepare_output_dir(const std::filesystem::path& dir, bool force,
                                            const std::vector<std::string>& evidence_paths);

// trawl.log: one timestamped line per event, flushed at once so a killed run keeps its log.
class RunLog {
 public:
  RunLog() = default;
  explicit RunLog(const std::filesystem::path& path);
  void write(std::string_view level, std::string_view message);

 private:
  std::mutex mutex_;
  std::ofstream out_;
};

// "2026-11-28T23:59:00Z"
std::string utc_now();

}  // namespace trawl::detail
