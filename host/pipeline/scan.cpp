// trawl::scan: one pass over a source. The calling thread is the I/O thread (the Reader); every
// stage runs on its own workers; the report and output files are written at the end.
#include <atomic>
#include <chrono>
#include <cmath>
#include <optional>

#include "host/backend/backend.hpp"
#include "host/pipeline/hash_stages.hpp"
#include "host/pipeline/stage.hpp"
#include "host/reader/reader.hpp"
#include "host/sinks/hash_list.hpp"
#include "host/sinks/output_dir.hpp"
#include "host/sinks/summary.hpp"
#include "trawl/trawl.hpp"

namespace trawl {
namespace {

std::atomic<bool> stop_requested{false};

bool is_power_of_two(std::uint64_t v) { return v && !(v & (v - 1)); }

void check_options(const ScanOptions& o) {
  auto fail = [](const std::string& message) { throw Error(ExitCode::usage, message); };
  if (!is_power_of_two(o.block_size) || o.block_size < 512) fail("--block-size must be a power of two >= 512");
  if (o.page_size < o.block_size || o.page_size % o.block_size != 0)
    fail("--page-size must be a multiple of the block size (" + std::to_string(o.block_size) + ")");
  if (o.margin > o.page_size) fail("--margin must not exceed --page-size");
  if (o.buffers < 2) fail("--buffers must be at least 2");
  if (!is_power_of_two(o.sector_size)) fail("--sector-size must be a power of two");
  if (o.page_size > (std::size_t{1} << 32)) fail("--page-size must be at most 4G");
}

void notify(Observer* observer, detail::RunLog& log, const std::string& message) {
  log.write("notice", message);
  if (observer) observer->on_notice(message);
}

}  // namespace

std::string_view version() noexcept { return TRAWL_VERSION; }

void request_stop() noexcept { stop_requested.store(true); }

ExitCode ScanReport::exit_code() const noexcept {
  if (interrupted) return ExitCode::interrupted;
  if (!bad_ranges.empty()) return ExitCode::read_errors;
  return ExitCode::ok;
}

ScanReport scan(const Source& source, const ScanOptions& options, Observer* observer) {
  using namespace detail;
  using clock = std::chrono::steady_clock;
  check_options(options);
  std::vector<HashAlgorithm> image_algorithms, block_algorithms;
  for (const auto& name : options.image_hashes) image_algorithms.push_back(image_algorithm(name));
  for (const auto& name : options.block_hashes) block_algorithms.push_back(block_algorithm(name));

  ScanReport report;
  report.image = source.paths().front();
  report.source_kind = std::string(source.kind());
  const auto started = clock::now();
  RunTimes times{utc_now(), {}};

  const bool writes = !options.output.empty();
  std::vector<std::string> warnings;
  if (writes) warnings = prepare_output_dir(options.output, options.force, source.paths());
  RunLog log = writes ? RunLog(options.output / "trawl.log") : RunLog();
  log.write("info", "trawl " + std::string(version()) + " scan " + report.image + " (" + report.source_kind + ")");
  for (const auto& w : warnings) notify(observer, log, "warning: " + w);

  auto [backend, backend_notice] = select_backend(options.backend, options.threads);
  report.backend = std::string(backend->name());
  report.backend_notice = backend_notice;
  if (!backend_notice.empty()) notify(observer, log, backend_notice);
  if (observer) observer->on_record(image_record(report, source.paths()).dump());

  // Stages. Block digests need somewhere to go: without an output folder they are skipped.
  std::vector<std::unique_ptr<ImageHashStage>> image_stages;
  if (!image_algorithms.empty()) {
    const HashAlgorithm critical = slowest_image_algorithm(image_algorithms);
    for (auto a : image_algorithms) image_stages.push_back(std::make_unique<ImageHashStage>(a, a == critical));
  }
  std::unique_ptr<BlockHashStage> block_stage;
  if (writes && !block_algorithms.empty()) {
    std::vector<BlockHashStage::Output> outputs;
    for (auto a : block_algorithms)
      outputs.push_back({a, std::make_unique<BlockDigestWriter>(options.output / ("blocks." + std::string(info(a).name)), a,
                                                                options.block_size)});
    block_stage = std::make_unique<BlockHashStage>(*backend, options.block_size, std::move(outputs));
    block_stage->yield_to_image_hashes(!image_algorithms.empty());
  }

  Failure failure;
  std::vector<std::unique_ptr<StageRunner>> runners;
  for (auto& s : image_stages) runners.push_back(std::make_unique<StageRunner>(*s, failure));
  if (block_stage) runners.push_back(std::make_unique<StageRunner>(*block_stage, failure));

  ReaderConfig reader_config{options.page_size, options.margin, options.buffers, options.sector_size};
  ChunkRing ring(options.buffers, buffer_size(reader_config),
                 [&](std::size_t size) { return backend->allocate_host(size); });
  Reader reader(source, reader_config, ring);
  std::atomic<bool> stop{false};
  stop_requested.store(false);
  const auto total = source.size();
  try {
    reader.run(
        [&](ChunkPtr chunk) {
          if (failure.failed() || stop_requested.load()) stop.store(true);
          std::uint64_t done = chunk->offset + chunk->page_len;
          for (auto& runner : runners) runner->push(chunk);
          if (observer) observer->on_progress(done, total);
        },
        stop);
  } catch (...) {
    failure.set(std::current_exception());
  }
  for (auto& runner : runners) runner->close_and_join();
  failure.rethrow();

  report.interrupted = stop.load() && !(total && reader.image_size() >= *total);
  report.image_size = reader.image_size();
  report.bytes_read = reader.bytes_read();
  report.bad_ranges = reader.bad_ranges();
  report.stage_seconds["read"] = reader.busy_seconds();
  for (auto& runner : runners) report.stage_seconds[runner->stage().name()] = runner->busy_seconds();
  // An interrupted pass has seen only part of the image: its digests must not look final.
  if (!report.interrupted)
    for (auto& s : image_stages) report.image_hashes.push_back({std::string(info(s->algorithm()).name), s->final_hex()});
  if (block_stage && !report.interrupted) {
    for (auto& output : block_stage->outputs()) {
      output.writer->close(report.image_size);
      report.block_hashes.push_back({std::string(info(output.algorithm).name),
                                     options.output / ("blocks." + std::string(info(output.algorithm).name)),
                                     output.writer->block_count()});
    }
  }
  report.wall_seconds = std::chrono::duration<double>(clock::now() - started).count();
  times.finished_utc = utc_now();

  for (const auto& bad : report.bad_ranges) {
    log.write("error", "unreadable, zero-filled: offset " + std::to_string(bad.offset) + " length " + std::to_string(bad.length));
    if (observer) observer->on_record(bad_range_record(report.image, bad).dump());
  }
  for (const auto& digest : report.image_hashes)
    if (observer) observer->on_record(image_hash_record(report.image, digest).dump());

  auto summary = summary_json(report, options, times);
  if (writes) {
    if (!report.interrupted) write_file_atomically(options.output / "hashes.txt", format_hash_list(report.image, report.image_hashes));
    write_file_atomically(options.output / "summary.json", summary.dump(2) + "\n");
  }
  if (observer) {
    nlohmann::json record = summary;
    record["record"] = "summary";
    observer->on_record(record.dump());
  }
  log.write("info", "done: " + std::to_string(report.image_size) + " bytes in " + std::to_string(report.wall_seconds) +
                        " s, exit code " + std::to_string(static_cast<int>(report.exit_code())));
  return report;
}

}  // namespace trawl
