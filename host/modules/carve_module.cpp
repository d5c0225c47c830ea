// The carving module: the selected carvers' signatures found on the backend, each candidate walked
// through its carver (host/modules/carve_stage); after the pass, carved/report.xml (DFXML) and
// carved/files.jsonl. Carving reads candidates at random offsets: a stream cannot do that.
#include "host/filesystem/file_system_map.hpp"
#include "host/modules/carve_stage.hpp"
#include "host/modules/module.hpp"
#include "host/sinks/carve_report.hpp"

namespace trawl::detail {
namespace {

class CarveRun final : public ModuleRun {
 public:
  explicit CarveRun(RunContext& run) {
    const auto& options = run.options;
    const auto* file_map = run.find<FileSystemMap>(service::file_system_map);
    if (options.carve.unallocated_only && !file_map)
      run.notify("carving unallocated space only, but no file system is mapped: every signature hit is carved");
    if (!run.source.random_access()) {
      run.report.carve_notice = "carving turned off: it needs a random-access source, not " + std::string(run.source.kind());
      run.notify(run.report.carve_notice);
      return;
    }
    stage_ = std::make_unique<CarveStage>(run.source, run.backend, options.carve, options.output);
    stage_->attribute_files(file_map, options.carve.unallocated_only);
    stage_->watch(run.failure);
  }
  std::vector<ChunkStage*> stages() override {
    return stage_ ? std::vector<ChunkStage*>{stage_.get()} : std::vector<ChunkStage*>{};
  }
  void finish(RunContext& run) override {
    if (stage_) run.report.carved = stage_->finish(run.report.carve_tally);
  }
  // After every module finished: the known module has marked the carved files by then.
  void publish(RunContext& run, nlohmann::json&) override {
    const auto& report = run.report;
    if (stage_ && run.writes()) {
      const auto dir = run.options.output / "carved";
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      write_file_atomically(dir / "report.xml", carve_dfxml(report, run.options, run.times.started_utc));
      std::string lines;
      for (const auto& file : report.carved) lines += carved_file_record(report.image, file).dump() + "\n";
      write_file_atomically(dir / "files.jsonl", lines);
      run.log.write("info", "carved " + std::to_string(report.carved.size()) + " files");
    }
    for (const auto& file : report.carved) run.emit(carved_file_record(report.image, file));
  }

 private:
  std::unique_ptr<CarveStage> stage_;
};

// Checks the carvers' names and modes, and that every signature that starts in a page lies in
// that chunk's bytes.
std::unique_ptr<Module> make(const ScanOptions& o) {
  const auto carvers = selected_carvers(o.carve);
  if (const std::size_t extent = signature_extent(carvers); o.margin < extent)
    throw Error(ErrorKind::options, "ScanOptions::margin must be at least " + std::to_string(extent) + " bytes when carving");
  return std::make_unique<ModuleOf<CarveRun>>();
}

}  // namespace

ModuleSpec carve_module() {
  const auto wanted = [](const ScanOptions& o) { return !o.carve.types.empty(); };
  return {"carve", 40, {}, {service::file_system_map}, wanted, make};
}

}  // namespace trawl::detail
