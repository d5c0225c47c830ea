// The file-hash module: MD5 and SHA-256 of the files of the mapped file systems (host/modules/
// file_hash_stage), from the pass's chunks and, after it, through TSK; files/report.xml and
// files/files.jsonl. File hashes need every byte of every file: a range run hashes no files.
#include <chrono>

#include "host/filesystem/file_report.hpp"
#include "host/filesystem/file_system_map.hpp"
#include "host/modules/file_hash_stage.hpp"
#include "host/modules/module.hpp"

namespace trawl::detail {
namespace {

class FileHashRun final : public ModuleRun {
 public:
  explicit FileHashRun(RunContext& run) : map_(run.find<FileSystemMap>(service::file_system_map)) {
    if (!map_ || run.ranged()) return;
    for (auto a : {HashAlgorithm::md5, HashAlgorithm::sha256}) stages_.push_back(std::make_unique<FileHashStage>(*map_, a));
  }
  std::vector<ChunkStage*> stages() override {
    std::vector<ChunkStage*> stages;
    for (auto& s : stages_) stages.push_back(s.get());
    return stages;
  }
  // Only after a complete pass: the files TSK must read are read now.
  void finish(RunContext& run) override {
    if (stages_.empty() || run.report.interrupted) return;
    const auto started = std::chrono::steady_clock::now();
    hashed_ = FileHashStage::merge(stages_[0]->finish(), stages_[1]->finish());
    run.report.stage_seconds["file-hash-tsk"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    run.report.files_hashed = hashed_.size();
  }
  void publish(RunContext& run, nlohmann::json&) override {
    const auto& report = run.report;
    if (run.writes() && !hashed_.empty()) {
      const auto dir = run.options.output / "files";
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      write_file_atomically(dir / "report.xml", files_dfxml(report, *map_, hashed_, run.times.started_utc));
      std::string lines;
      for (const auto& h : hashed_) lines += file_record(report.image, *map_, h).dump() + "\n";
      write_file_atomically(dir / "files.jsonl", lines);
      run.log.write("info", "hashed " + std::to_string(hashed_.size()) + " files");
    }
    if (run.observer && run.observer->wants_records())
      for (const auto& h : hashed_) run.emit(file_record(report.image, *map_, h));
  }

 private:
  const FileSystemMap* map_;                            // null: no file system mapped
  std::vector<std::unique_ptr<FileHashStage>> stages_;  // md5, sha256
  std::vector<HashedFile> hashed_;
};

}  // namespace

ModuleSpec file_hash_module() {
  const auto wanted = [](const ScanOptions& o) {
    return o.filesystem.mode == FileSystemMode::automatic && o.filesystem.hash_files;
  };
  const auto make = [](const ScanOptions&) -> std::unique_ptr<Module> { return std::make_unique<ModuleOf<FileHashRun>>(); };
  return {"file-hashes", 60, {}, {service::file_system_map}, wanted, make};
}

}  // namespace trawl::detail
