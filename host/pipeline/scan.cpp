// trawl::scan: one pass over a source. The calling thread is the I/O thread (the Reader); every
// stage runs on its own workers; the report and output files are written at the end. What a scan
// does is the registered stage modules' (host/modules/module.hpp): this file only runs them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>

#include "host/backend/backend.hpp"
#include "host/filesystem/file_report.hpp"
#include "host/modules/module.hpp"
#include "host/pipeline/stage_runner.hpp"
#include "host/reader/reader.hpp"
#include "host/sinks/output_dir.hpp"
#include "host/sinks/summary.hpp"
#include "trawl/trawl.hpp"

namespace trawl {
namespace {

bool is_power_of_two(std::uint64_t v) { return v && !(v & (v - 1)); }

void check_options(const ScanOptions& o) {
  auto fail = [](const std::string& message) { throw Error(ErrorKind::options, message); };
  if (!is_power_of_two(o.block_size) || o.block_size < 512) fail("ScanOptions::block_size must be a power of two >= 512");
  if (o.page_size < o.block_size || o.page_size % o.block_size != 0)
    fail("ScanOptions::page_size must be a multiple of the block size (" + std::to_string(o.block_size) + ")");
  if (o.margin > o.page_size) fail("ScanOptions::margin must not exceed ScanOptions::page_size");
  if (o.buffers < 2) fail("ScanOptions::buffers must be at least 2");
  if (!is_power_of_two(o.sector_size)) fail("ScanOptions::sector_size must be a power of two");
  if (o.page_size > (std::size_t{1} << 32)) fail("ScanOptions::page_size must be at most 4G");
}

// Stages report from their own threads; the caller's observer sees one call at a time.
class SerializedObserver final : public Observer {
 public:
  explicit SerializedObserver(Observer* inner) : inner_(inner) {}
  void on_progress(std::uint64_t done, std::optional<std::uint64_t> total) override {
    std::lock_guard lock(mutex_);
    inner_->on_progress(done, total);
  }
  void on_record(std::string_view line) override {
    std::lock_guard lock(mutex_);
    inner_->on_record(line);
  }
  void on_notice(std::string_view message) override {
    std::lock_guard lock(mutex_);
    inner_->on_notice(message);
  }
  bool wants_records() const override { return inner_->wants_records(); }

 private:
  Observer* inner_;
  std::mutex mutex_;
};

// Each module's part in one scan. They end in reverse order, also when the scan throws: a
// service's users (a carve stage's threads reading the file-system map) before its provider.
class ModuleRuns {
 public:
  ModuleRuns() = default;
  ModuleRuns(const ModuleRuns&) = delete;
  ModuleRuns& operator=(const ModuleRuns&) = delete;
  ~ModuleRuns() {
    while (!runs_.empty()) runs_.pop_back();
  }
  void add(std::unique_ptr<detail::ModuleRun> run) { runs_.push_back(std::move(run)); }
  auto begin() { return runs_.begin(); }
  auto end() { return runs_.end(); }

 private:
  std::vector<std::unique_ptr<detail::ModuleRun>> runs_;
};

// The engine's options for one image: its output folder; no image hashes for a range (as the
// summary reports them). A range's start must be a page boundary (then every block and chunk
// boundary of the range run is one of the whole run).
ScanOptions run_options(const ScanOptions& engine, const ImageJob& job, const Source& source) {
  ScanOptions options = engine;
  options.output = job.output;
  const auto size = source.size();
  const bool ranged = job.range.offset > 0 || job.range.length > 0;
  if (job.range.offset % options.page_size != 0)
    throw Error(ErrorKind::options,
                "ImageJob::range must start at a multiple of the page size (" + std::to_string(options.page_size) + ")");
  if (ranged && size && job.range.offset >= *size)
    throw Error(ErrorKind::options, "ImageJob::range starts at " + std::to_string(job.range.offset) +
                                        ", past the end of the image (" + std::to_string(*size) + " bytes)");
  if (ranged && job.range.length && job.range.length % options.page_size != 0 &&
      !(size && job.range.offset + job.range.length >= *size))
    throw Error(ErrorKind::options, "ImageJob::range length must be a multiple of the page size (" +
                                        std::to_string(options.page_size) + ") unless the range reaches the end of the image");
  if (ranged) options.image_hashes.clear();
  return options;
}

// The pass: every chunk of the job's range to every stage, each on its own runner. Fills the
// report's sizes, bad ranges, busy times and whether the pass was interrupted.
void read_pass(detail::RunContext& run, const std::vector<detail::ChunkStage*>& stages, detail::Failure& failure) {
  using namespace detail;
  const auto& options = run.options;
  const auto& range = run.job.range;
  auto& report = run.report;
  std::vector<std::unique_ptr<StageRunner>> runners;
  for (auto* stage : stages) runners.push_back(std::make_unique<StageRunner>(*stage, failure));
  ReaderConfig config{options.page_size,   options.margin, options.buffers,
                      options.sector_size, range.offset,   range.length ? range.offset + range.length : 0};
  ChunkRing ring(options.buffers, buffer_size(config), [&](std::size_t size) { return run.backend.allocate_host(size); });
  Reader reader(run.source, config, ring);
  const auto source_size = run.source.size();
  std::optional<std::uint64_t> range_end = source_size;
  if (range.length) range_end = source_size ? std::min(*source_size, range.offset + range.length) : range.offset + range.length;
  std::optional<std::uint64_t> total;
  if (range_end) total = *range_end - range.offset;
  // One copy to the device per chunk, shared by every stage that runs kernels on it.
  const bool upload = std::ranges::any_of(stages, &ChunkStage::uses_device);
  std::atomic<bool> stop{false};
  try {
    reader.run(
        [&](ChunkPtr chunk) {
          if (failure.failed() || run.job.stop.stop_requested()) stop.store(true);
          if (upload) chunk->device = run.backend.upload(*chunk);
          for (auto& runner : runners) runner->push(chunk);
          if (run.observer) run.observer->on_progress(chunk->offset + chunk->page_len - range.offset, total);
        },
        stop);
  } catch (...) {
    failure.set(std::current_exception());
  }
  for (auto& runner : runners) runner->close_and_join();
  failure.rethrow();
  // A stop that came with the last chunk interrupted nothing: every stage saw every page.
  report.interrupted = stop.load() && !(range_end && reader.image_size() >= *range_end);
  // A range run knows the image's size from the source; a stream's is where its pages ended.
  report.image_size = source_size ? *source_size : reader.image_size();
  report.range = {range.offset, reader.image_size() - range.offset};
  report.bytes_read = reader.bytes_read();
  report.bad_ranges = reader.bad_ranges();
  report.stage_seconds["read"] = reader.busy_seconds();
  for (auto& runner : runners) report.stage_seconds[runner->stage().name()] = runner->busy_seconds();
}

}  // namespace

std::string_view version() noexcept { return TRAWL_VERSION; }

struct StopToken::State {
  std::atomic<bool> requested{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "request_stop() must be safe from a signal handler");
};

StopToken::StopToken() : state_(std::make_shared<State>()) {}
void StopToken::request_stop() const noexcept { state_->requested.store(true); }
bool StopToken::stop_requested() const noexcept { return state_->requested.load(); }

ExitCode ScanReport::exit_code() const noexcept {
  if (interrupted) return ExitCode::interrupted;
  for (const auto& v : verification)
    if (!v.match) return ExitCode::mismatch;
  if (!bad_ranges.empty()) return ExitCode::read_errors;
  return ExitCode::ok;
}

struct Engine::Impl {
  ScanOptions options;
  std::vector<std::unique_ptr<detail::Module>> modules;  // those the options want, in registry order
  // One backend (one CUDA context, its lanes and pinned buffers) for every image the engine
  // scans, also several at a time: its calls are thread-safe.
  detail::BackendChoice backend;
};

Engine::Engine(ScanOptions options) : impl_(std::make_unique<Impl>()) {
  check_options(options);
  // Modules check their options, compile rules and open stores: a bad rule file or store is an
  // error before anything is written.
  for (const auto& spec : detail::registered_modules())
    if (spec.wanted(options)) impl_->modules.push_back(spec.make(options));
  impl_->backend = detail::select_backend(options.backend, options.threads);
  impl_->options = std::move(options);
}

Engine::~Engine() = default;

const ScanOptions& Engine::options() const { return impl_->options; }

ScanReport scan(const Source& source, const ScanOptions& options, Observer* observer, const StopToken& stop) {
  Engine engine(options);
  return engine.scan(source, ImageJob{options.output, {}, {}, {}, stop}, observer);
}

ScanReport Engine::scan(const Source& source, const ImageJob& job, Observer* caller_observer) const {
  using namespace detail;
  using clock = std::chrono::steady_clock;
  const ScanOptions options = run_options(impl_->options, job, source);
  SerializedObserver serialized(caller_observer);
  Observer* observer = caller_observer ? &serialized : nullptr;
  const auto started = clock::now();
  RunTimes times{utc_now(), {}};
  ScanReport report;
  report.image = source.paths().front();
  report.label = job.label;
  report.notes = job.notes;
  report.source_kind = std::string(source.kind());
  report.acquisition = source.acquisition();

  const bool writes = !options.output.empty();
  std::vector<std::string> warnings;
  if (writes) warnings = prepare_output_dir(options.output, options.force, source.paths());
  RunLog log = writes ? RunLog(options.output / "trawl.log") : RunLog();
  log.write("info", "trawl " + std::string(version()) + " scan " + report.image + " (" + report.source_kind + ")");
  Backend& backend = *impl_->backend.backend;
  Failure failure;
  RunContext run(options, job, source, backend, report, log, observer, failure, times);
  for (const auto& w : warnings) run.notify("warning: " + w);
  report.backend = backend.kind();
  report.backend_notice = impl_->backend.notice;
  if (!report.backend_notice.empty()) run.notify(report.backend_notice);
  if (observer) observer->on_record(image_record(report, source.paths()).dump());

  // Each module's part, in registry order (a service's provider starts before its users).
  ModuleRuns modules;
  std::vector<ChunkStage*> stages;
  for (const auto& module : impl_->modules) {
    auto part = module->start(run);
    std::ranges::copy(part->stages(), std::back_inserter(stages));
    modules.add(std::move(part));
  }
  read_pass(run, stages, failure);
  for (auto& module : modules) module->finish(run);
  report.wall_seconds = std::chrono::duration<double>(clock::now() - started).count();
  times.finished_utc = utc_now();

  for (const auto& bad : report.bad_ranges) {
    log.write("error", "unreadable, zero-filled: offset " + std::to_string(bad.offset) + " length " + std::to_string(bad.length));
    run.emit(bad_range_record(report.image, bad));
  }
  auto summary = summary_json(report, options, times);
  add_stored_evidence_json(summary, report);
  summary["filesystems"] = filesystems_json(report);
  summary["filesystem"] = filesystem_section_json(report, options);
  for (auto& module : modules) module->publish(run, summary);
  if (writes) write_file_atomically(options.output / "summary.json", summary.dump(2) + "\n");
  summary["record"] = "summary";
  run.emit(summary);
  log.write("info", "done: " + std::to_string(report.image_size) + " bytes in " + std::to_string(report.wall_seconds) +
                        " s, exit code " + std::to_string(static_cast<int>(report.exit_code())));
  return report;
}

}  // namespace trawl
