// The known-file module: block-hash matching against a .tdb during the pass (host/modules/
// known_stage), and carved files matched against whole-file hash sets after it; known/*.jsonl and
// the "known" section of summary.json.
#include "host/filesystem/file_system_map.hpp"
#include "host/known/block_db.hpp"
#include "host/known/hash_set.hpp"
#include "host/modules/known_stage.hpp"
#include "host/modules/module.hpp"
#include "host/sinks/known_report.hpp"

namespace trawl::detail {
namespace {

class KnownRun final : public ModuleRun {
 public:
  KnownRun(RunContext& run, const BlockDb* db, std::uint32_t step, const HashSetCollection& hash_sets) : hash_sets_(hash_sets) {
    file_map_ = run.find<FileSystemMap>(service::file_system_map);
    if (db) stage_ = std::make_unique<KnownBlockStage>(run.backend, *db, step);
  }
  std::vector<ChunkStage*> stages() override {
    return stage_ ? std::vector<ChunkStage*>{stage_.get()} : std::vector<ChunkStage*>{};
  }
  // After the carve module (it comes first): the carved files are matched against the hash sets.
  void finish(RunContext& run) override {
    auto& report = run.report;
    if (stage_ && !report.interrupted) {
      report.known = stage_->finish();
      if (file_map_)
        for (auto& known_run : report.known.runs) known_run.fs = file_map_->lookup(known_run.offset);
    }
    if (!hash_sets_.empty())
      mark_known_carved(hash_sets_, run.options.known.skip_known_good, run.options.output, report.carved, report.known);
  }
  void publish(RunContext& run, nlohmann::json& summary) override {
    const auto& report = run.report;
    if (stage_ || !hash_sets_.empty()) summary["known"] = known_json(report.known, run.options.known);
    if (run.writes()) write_known_outputs(run.options.output, report, run.options.known);
    for (const auto& file : report.known.files) run.emit(known_file_record(report.image, file));
    for (const auto& file : report.carved)
      if (file.known && file.known->label == "known-bad") run.emit(known_alert_record(report.image, file));
  }

 private:
  const HashSetCollection& hash_sets_;
  const FileSystemMap* file_map_ = nullptr;
  std::unique_ptr<KnownBlockStage> stage_;
};

// Known-file stores open (and are checked) once, before anything is written.
class KnownModule final : public Module {
 public:
  explicit KnownModule(const ScanOptions& options) {
    const auto& o = options.known;
    if (o.block_step && o.block_db.empty())
      throw Error(ErrorKind::options, "KnownOptions::block_step needs KnownOptions::block_db");
    if (o.skip_known_good && o.hash_sets.empty())
      throw Error(ErrorKind::options, "KnownOptions::skip_known_good needs KnownOptions::hash_sets");
    if (!o.block_db.empty()) {
      db_ = std::make_unique<const BlockDb>(o.block_db);
      step_ = known_block_step(options, *db_);
    }
    hash_sets_ = std::make_unique<const HashSetCollection>(o.hash_sets);
  }
  std::unique_ptr<ModuleRun> start(RunContext& run) const override {
    return std::make_unique<KnownRun>(run, db_.get(), step_, *hash_sets_);
  }

 private:
  std::unique_ptr<const BlockDb> db_;  // null: no block matching
  std::uint32_t step_ = 0;
  std::unique_ptr<const HashSetCollection> hash_sets_;  // never null; may be empty
};

}  // namespace

ModuleSpec known_module() {
  // Also for the options that need the others: the module says what is missing.
  const auto wanted = [](const ScanOptions& o) {
    return !o.known.block_db.empty() || !o.known.hash_sets.empty() || o.known.block_step || o.known.skip_known_good;
  };
  const auto make = [](const ScanOptions& o) -> std::unique_ptr<Module> { return std::make_unique<KnownModule>(o); };
  return {"known", 50, {}, {service::file_system_map}, wanted, make};
}

}  // namespace trawl::detail
