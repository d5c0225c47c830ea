// The file-system module: partitions and file systems mapped through The Sleuth Kit once, before
// the pass; the map (immutable while the stages read it) is the service "file-system-map" that
// attributes findings to files and feeds the file hashes.
#include <chrono>

#include "host/filesystem/file_system_map.hpp"
#include "host/modules/module.hpp"

namespace trawl::detail {
namespace {

class FileSystemRun final : public ModuleRun {
 public:
  explicit FileSystemRun(RunContext& run) {
    auto& report = run.report;
    if (!run.source.random_access()) {
      // "auto" maps what it can: said in the log and summary.json, not as a notice on the console.
      report.filesystem_notice = "file-system mapping turned off: it needs a random-access source, not " +
                                 std::string(run.source.kind());
      run.log.write("info", report.filesystem_notice);
      return;
    }
    const auto started = std::chrono::steady_clock::now();
    map_ = FileSystemMap::build(run.source);
    report.stage_seconds["filesystem"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    report.filesystems = map_->filesystems();
    for (const auto& fs : report.filesystems)
      run.log.write("info", "file system " + fs.type + " at offset " + std::to_string(fs.partition_offset) + ": " +
                                std::to_string(fs.files) + " files");
    if (!map_->empty()) run.provide<FileSystemMap>(service::file_system_map, map_.get());
  }

 private:
  std::unique_ptr<FileSystemMap> map_;
};

std::unique_ptr<Module> make(const ScanOptions&) { return std::make_unique<ModuleOf<FileSystemRun>>(); }

}  // namespace

ModuleSpec filesystem_module() {
  const auto wanted = [](const ScanOptions& o) { return o.filesystem.mode != FileSystemMode::off; };
  return {"filesystem", 0, {service::file_system_map}, {}, wanted, make};
}

}  // namespace trawl::detail
