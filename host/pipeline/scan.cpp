// trawl::scan: one pass over a source. The calling thread is the I/O thread (the Reader); every
// stage runs on its own workers; the report and output files are written at the end.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <optional>
#include <thread>

#include "host/backend/backend.hpp"
#include "host/filesystem/file_hash_stage.hpp"
#include "host/filesystem/file_report.hpp"
#include "host/filesystem/file_system_map.hpp"
#include "host/pipeline/carve_stage.hpp"
#include "host/pipeline/hash_stages.hpp"
#include "host/pipeline/identifier_stage.hpp"
#include "host/pipeline/known_stage.hpp"
#include "host/sinks/feature_sink.hpp"
#include "host/pipeline/stage.hpp"
#include "host/reader/reader.hpp"
#include "host/sinks/carve_report.hpp"
#include "host/sinks/hash_list.hpp"
#include "host/sinks/known_report.hpp"
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
  if (o.filesystem.mode != "auto" && o.filesystem.mode != "off") fail("--fs must be auto or off, not '" + o.filesystem.mode + "'");
  // Carving: every signature that starts in a page must lie in that chunk's bytes.
  const auto carvers = detail::selected_carvers(o.carve);
  if (const std::size_t extent = detail::signature_extent(carvers); !carvers.empty() && o.margin < extent)
    fail("--margin must be at least " + std::to_string(extent) + " bytes when carving");
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

std::unique_ptr<detail::IdentifierScanner> make_identifier_scanner(const IdentifierOptions& o) {
  using namespace detail;
  std::vector<Rule> rules;
  if (o.builtin_rules) rules = builtin_rules();
  for (const auto& file : o.rule_files) {
    auto more = load_rule_file(file);
    rules.insert(rules.end(), more.begin(), more.end());
  }
  // Only the rules of the types asked for are compiled: fewer patterns, a faster scan.
  if (!o.types.empty()) {
    for (const auto& type : o.types)
      if (std::none_of(rules.begin(), rules.end(), [&](const Rule& r) { return r.type == type; }))
        throw Error(ExitCode::usage, "--find: no rule finds '" + type + "'");
    std::erase_if(rules, [&](const Rule& r) { return std::find(o.types.begin(), o.types.end(), r.type) == o.types.end(); });
  }
  return std::make_unique<IdentifierScanner>(std::move(rules), o.regions.empty() ? default_regions() : o.regions, o.keep_invalid);
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
  for (const auto& v : verification)
    if (!v.match) return ExitCode::mismatch;
  if (!bad_ranges.empty()) return ExitCode::read_errors;
  return ExitCode::ok;
}

struct Engine::Impl {
  ScanOptions options;
  std::shared_ptr<const detail::IdentifierScanner> scanner;  // null: identifier search is off
  std::vector<detail::HashAlgorithm> image_algorithms, block_algorithms;
  std::shared_ptr<const detail::BlockDb> known_db;  // null: no block matching
  std::uint32_t known_step = 0;
  std::shared_ptr<const detail::HashSetCollection> hash_sets;  // never null; may be empty
};

Engine::Engine(ScanOptions options) : impl_(std::make_unique<Impl>()) {
  using namespace detail;
  // A stop asked for while an engine sets up (compiling rules, say) counts; one from before does not.
  stop_requested.store(false);
  check_options(options);
  // Identifier rules compile first: a bad rule file is a usage error before anything is written.
  if (options.identifiers.enabled) {
    impl_->scanner = make_identifier_scanner(options.identifiers);
    if (options.margin < impl_->scanner->required_margin())
      throw Error(ExitCode::usage, "--margin must be at least " + std::to_string(impl_->scanner->required_margin()) +
                                       " bytes for identifier search (its longest match and context)");
  }
  // Known-file stores open (and are checked) once, before anything is written.
  if (options.known.block_step && options.known.block_db.empty()) throw Error(ExitCode::usage, "--block-step needs --known-blocks");
  if (options.known.skip_known_good && options.known.hash_sets.empty()) throw Error(ExitCode::usage, "--skip-known-good needs --hashset");
  if (!options.known.block_db.empty()) {
    impl_->known_db = std::make_shared<const BlockDb>(options.known.block_db);
    impl_->known_step = known_block_step(options, *impl_->known_db);
  }
  impl_->hash_sets = std::make_shared<const HashSetCollection>(options.known.hash_sets);
  for (const auto& name : options.image_hashes) impl_->image_algorithms.push_back(image_algorithm(name));
  for (const auto& name : options.block_hashes) impl_->block_algorithms.push_back(block_algorithm(name));
  impl_->options = std::move(options);
}

Engine::~Engine() = default;

const ScanOptions& Engine::options() const { return impl_->options; }

ScanReport scan(const Source& source, const ScanOptions& options, Observer* observer) {
  Engine engine(options);
  return engine.scan(source, ImageJob{options.output, {}, {}, {}}, observer);
}

ScanReport Engine::scan(const Source& source, const ImageJob& job, Observer* caller_observer) const {
  using namespace detail;
  using clock = std::chrono::steady_clock;
  ScanOptions options = impl_->options;
  options.output = job.output;
  const IdentifierScanner* scanner = impl_->scanner.get();
  const auto& image_algorithms_all = impl_->image_algorithms;
  const auto& block_algorithms = impl_->block_algorithms;
  const BlockDb* known_db = impl_->known_db.get();
  const std::uint32_t known_step = impl_->known_step;
  const HashSetCollection& hash_sets = *impl_->hash_sets;
  SerializedObserver serialized(caller_observer);
  Observer* observer = caller_observer ? &serialized : nullptr;

  // A range: its start must be a page boundary (then every block and chunk boundary of the
  // range run is one of the whole run). Image hashes need every byte in order: none for a range.
  const auto source_size = source.size();
  const bool ranged = job.range.offset > 0 || job.range.length > 0;
  if (job.range.offset % options.page_size != 0)
    throw Error(ExitCode::usage, "--range must start at a multiple of the page size (" + std::to_string(options.page_size) + ")");
  if (ranged && source_size && job.range.offset >= *source_size)
    throw Error(ExitCode::usage, "--range starts at " + std::to_string(job.range.offset) + ", past the end of the image (" +
                                     std::to_string(*source_size) + " bytes)");
  if (ranged && job.range.length && job.range.length % options.page_size != 0 &&
      !(source_size && job.range.offset + job.range.length >= *source_size))
    throw Error(ExitCode::usage, "--range length must be a multiple of the page size (" + std::to_string(options.page_size) +
                                     ") unless the range reaches the end of the image");
  if (ranged) options.image_hashes.clear();  // as the summary reports them
  std::vector<HashAlgorithm> image_algorithms = ranged ? std::vector<HashAlgorithm>{} : image_algorithms_all;
  // Digests stored in the evidence (E01) are checked at the end of a whole pass: their
  // algorithms are computed even when they were not asked for.
  const auto stored_hashes = ranged ? std::map<std::string, std::string>{} : source.stored_hashes();
  std::vector<std::string> added_for_verification;
  for (const auto& [name, hex] : stored_hashes) {
    HashAlgorithm a{};
    try {
      a = image_algorithm(name);
    } catch (const Error&) {
      continue;  // an algorithm trawl does not compute cannot be verified
    }
    if (std::find(image_algorithms.begin(), image_algorithms.end(), a) != image_algorithms.end()) continue;
    image_algorithms.push_back(a);
    added_for_verification.push_back(name);
  }

  ScanReport report;
  report.image = source.paths().front();
  report.label = job.label;
  report.notes = job.notes;
  report.source_kind = std::string(source.kind());
  const auto started = clock::now();
  RunTimes times{utc_now(), {}};

  const bool writes = !options.output.empty();
  std::vector<std::string> warnings;
  if (writes) warnings = prepare_output_dir(options.output, options.force, source.paths());
  RunLog log = writes ? RunLog(options.output / "trawl.log") : RunLog();
  log.write("info", "trawl " + std::string(version()) + " scan " + report.image + " (" + report.source_kind + ")");
  for (const auto& w : warnings) notify(observer, log, "warning: " + w);
  for (const auto& name : added_for_verification)
    notify(observer, log, "also computing " + name + " to verify the " + name + " stored in the " + report.source_kind + " image");
  report.acquisition = source.acquisition();

  auto [backend, backend_notice] = select_backend(options.backend, options.threads);
  report.backend = std::string(backend->name());
  report.backend_notice = backend_notice;
  if (!backend_notice.empty()) notify(observer, log, backend_notice);
  if (observer) observer->on_record(image_record(report, source.paths()).dump());

  // File systems are mapped once, before the pass: the map is immutable while the stages read it.
  std::unique_ptr<FileSystemMap> file_map;
  if (options.filesystem.mode == "auto") {
    if (source.random_access()) {
      const auto mapping_started = clock::now();
      file_map = FileSystemMap::build(source);
      report.stage_seconds["filesystem"] = std::chrono::duration<double>(clock::now() - mapping_started).count();
      report.filesystems = file_map->filesystems();
      for (const auto& fs : report.filesystems)
        log.write("info", "file system " + fs.type + " at offset " + std::to_string(fs.partition_offset) + ": " +
                              std::to_string(fs.files) + " files");
      if (file_map->empty()) file_map.reset();
    } else {
      // "auto" maps what it can: said in the log and summary.json, not as a notice on the console.
      report.filesystem_notice = "file-system mapping turned off: it needs a random-access source, not " + std::string(source.kind());
      log.write("info", report.filesystem_notice);
    }
  }
  if (options.carve.unallocated_only && !file_map && !options.carve.types.empty())
    notify(observer, log, "--carve-unallocated-only: no file system mapped, so every signature hit is carved");
  std::vector<std::unique_ptr<FileHashStage>> file_hash_stages;  // md5, sha256
  // File hashes need every byte of every file: a range run (--range) attributes, but hashes no files.
  if (file_map && options.filesystem.hash_files && !ranged)
    for (auto a : {HashAlgorithm::md5, HashAlgorithm::sha256}) file_hash_stages.push_back(std::make_unique<FileHashStage>(*file_map, a));

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
                                                                options.block_size, job.range.offset / options.block_size)});
    block_stage = std::make_unique<BlockHashStage>(*backend, options.block_size, std::move(outputs));
    block_stage->yield_to_image_hashes(!image_algorithms.empty());
  }

  // Carving reads candidates at random offsets: a stream cannot do that, so it is turned off.
  std::unique_ptr<CarveStage> carve_stage;
  if (!options.carve.types.empty()) {
    if (source.random_access()) {
      carve_stage = std::make_unique<CarveStage>(source, *backend, options.carve, options.output);
      carve_stage->attribute_files(file_map.get(), options.carve.unallocated_only);
    } else {
      report.carve_notice = "carving turned off: it needs a random-access source, not " + std::string(source.kind());
      notify(observer, log, report.carve_notice);
    }
  }

  std::unique_ptr<KnownBlockStage> known_stage;
  if (known_db) known_stage = std::make_unique<KnownBlockStage>(*backend, *known_db, known_step);

  std::unique_ptr<FeatureSink> feature_sink;
  std::unique_ptr<IdentifierStage> identifier_stage;
  if (scanner) {
    Watchlist watchlist;
    if (!options.identifiers.watchlist.empty()) watchlist = Watchlist(options.identifiers.watchlist, scanner->validators());
    FeatureSink::Emit emit;
    if (observer && observer->wants_records())
      emit = [observer](const nlohmann::json& record) {
        observer->on_record(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      };
    feature_sink = std::make_unique<FeatureSink>(*scanner, writes ? options.output / "features" : std::filesystem::path(),
                                                 report.image, options.identifiers.types, std::move(watchlist), std::move(emit));
    if (ranged) feature_sink->record_dropped();
    feature_sink->attribute_files(file_map.get());
    DecodeLimits limits;
    limits.max_output = options.identifiers.decode_max;
    const auto& mode = options.identifiers.prefilter;
    if (mode != "auto" && mode != "emulated" && mode != "off")
      throw Error(ExitCode::usage, "identifier prefilter must be auto, emulated or off, not '" + mode + "'");
    const auto prefilter = mode == "off" ? IdentifierStage::Prefilter::off
                           : mode == "emulated" ? IdentifierStage::Prefilter::emulated
                                                : IdentifierStage::Prefilter::device;
    identifier_stage = std::make_unique<IdentifierStage>(*scanner, *feature_sink, source, *backend, prefilter,
                                                         options.identifiers.decode, limits,
                                                         options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency()));
  }

  Failure failure;
  std::vector<std::unique_ptr<StageRunner>> runners;
  for (auto& s : image_stages) runners.push_back(std::make_unique<StageRunner>(*s, failure));
  if (block_stage) runners.push_back(std::make_unique<StageRunner>(*block_stage, failure));
  if (identifier_stage) runners.push_back(std::make_unique<StageRunner>(*identifier_stage, failure));
  if (carve_stage) {
    carve_stage->watch(failure);
    runners.push_back(std::make_unique<StageRunner>(*carve_stage, failure));
  }
  if (known_stage) runners.push_back(std::make_unique<StageRunner>(*known_stage, failure));
  for (auto& s : file_hash_stages) runners.push_back(std::make_unique<StageRunner>(*s, failure));

  ReaderConfig reader_config{options.page_size, options.margin, options.buffers, options.sector_size, job.range.offset,
                             job.range.length ? job.range.offset + job.range.length : 0};
  ChunkRing ring(options.buffers, buffer_size(reader_config),
                 [&](std::size_t size) { return backend->allocate_host(size); });
  Reader reader(source, reader_config, ring);
  std::atomic<bool> stop{false};
  std::optional<std::uint64_t> range_end = source_size;
  if (job.range.length) range_end = source_size ? std::min(*source_size, job.range.offset + job.range.length)
                                                : job.range.offset + job.range.length;
  std::optional<std::uint64_t> total;
  if (range_end) total = *range_end - job.range.offset;
  try {
    reader.run(
        [&](ChunkPtr chunk) {
          if (failure.failed() || stop_requested.load()) stop.store(true);
          std::uint64_t done = chunk->offset + chunk->page_len - job.range.offset;
          for (auto& runner : runners) runner->push(chunk);
          if (observer) observer->on_progress(done, total);
        },
        stop);
  } catch (...) {
    failure.set(std::current_exception());
  }
  for (auto& runner : runners) runner->close_and_join();
  failure.rethrow();
  // A stop that came with the last chunk interrupted nothing: every stage saw every page.
  report.interrupted = stop.load() && !(range_end && reader.image_size() >= *range_end);
  if (feature_sink && !report.interrupted) {
    feature_sink->finish();
    report.identifiers = feature_sink->summary();
  }

  // A range run knows the image's size from the source; a stream's is where its pages ended.
  report.image_size = source_size ? *source_size : reader.image_size();
  report.range = {job.range.offset, reader.image_size() - job.range.offset};
  report.bytes_read = reader.bytes_read();
  report.bad_ranges = reader.bad_ranges();
  report.stage_seconds["read"] = reader.busy_seconds();
  for (auto& runner : runners) report.stage_seconds[runner->stage().name()] = runner->busy_seconds();
  // An interrupted pass has seen only part of the image: its digests must not look final.
  if (!report.interrupted)
    for (auto& s : image_stages) report.image_hashes.push_back({std::string(info(s->algorithm()).name), s->final_hex()});
  // The stored digests are compared after a complete pass only (a partial one proves nothing).
  if (!report.interrupted) {
    for (const auto& [name, hex] : stored_hashes) {
      auto computed = std::find_if(report.image_hashes.begin(), report.image_hashes.end(),
                                   [&](const ImageDigest& d) { return d.algorithm == name; });
      if (computed == report.image_hashes.end()) continue;
      report.verification.push_back({name, hex, computed->hex, computed->hex == hex});
    }
  }
  if (block_stage && !report.interrupted) {
    for (auto& output : block_stage->outputs()) {
      output.writer->close(report.image_size, ranged ? report.range.offset + report.range.length : 0);
      report.block_hashes.push_back({std::string(info(output.algorithm).name),
                                     options.output / ("blocks." + std::string(info(output.algorithm).name)),
                                     output.writer->block_count()});
    }
  }
  if (carve_stage) report.carved = carve_stage->finish(report.carve_tally);
  if (known_stage && !report.interrupted) {
    report.known = known_stage->finish();
    if (file_map)
      for (auto& run : report.known.runs) run.fs = file_map->lookup(run.offset);
  }
  if (!hash_sets.empty()) mark_known_carved(hash_sets, options.known.skip_known_good, options.output, report.carved, report.known);
  if (carve_stage && writes) {
    std::error_code ec;
    std::filesystem::create_directories(options.output / "carved", ec);
    write_file_atomically(options.output / "carved" / "report.xml", carve_dfxml(report, options, times.started_utc));
    std::string lines;
    for (const auto& file : report.carved) lines += carved_file_record(report.image, file).dump() + "\n";
    write_file_atomically(options.output / "carved" / "files.jsonl", lines);
    log.write("info", "carved " + std::to_string(report.carved.size()) + " files");
  }
  // File hashes need every byte of the files: only after a complete pass.
  std::vector<HashedFile> hashed_files;
  if (!file_hash_stages.empty() && !report.interrupted) {
    const auto hashing_started = clock::now();
    hashed_files = FileHashStage::merge(file_hash_stages[0]->finish(), file_hash_stages[1]->finish());
    report.stage_seconds["file-hash-tsk"] = std::chrono::duration<double>(clock::now() - hashing_started).count();
    report.files_hashed = hashed_files.size();
    if (writes && !hashed_files.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(options.output / "files", ec);
      write_file_atomically(options.output / "files" / "report.xml", files_dfxml(report, *file_map, hashed_files, times.started_utc));
      std::string lines;
      for (const auto& h : hashed_files) lines += file_record(report.image, *file_map, h).dump() + "\n";
      write_file_atomically(options.output / "files" / "files.jsonl", lines);
      log.write("info", "hashed " + std::to_string(hashed_files.size()) + " files");
    }
  }
  report.wall_seconds = std::chrono::duration<double>(clock::now() - started).count();
  times.finished_utc = utc_now();

  for (const auto& v : report.verification) {
    if (v.match) {
      log.write("info", "verified: computed " + v.algorithm + " equals the one stored in the image");
    } else {
      notify(observer, log, "error: " + v.algorithm + " MISMATCH: the image stores " + v.stored + ", its data hashes to " + v.computed);
    }
  }
  for (const auto& bad : report.bad_ranges) {
    log.write("error", "unreadable, zero-filled: offset " + std::to_string(bad.offset) + " length " + std::to_string(bad.length));
    if (observer) observer->on_record(bad_range_record(report.image, bad).dump());
  }
  for (const auto& digest : report.image_hashes)
    if (observer) observer->on_record(image_hash_record(report.image, digest).dump());
  for (const auto& file : report.carved)
    if (observer) observer->on_record(carved_file_record(report.image, file).dump());
  for (const auto& file : report.known.files)
    if (observer) observer->on_record(known_file_record(report.image, file).dump());
  for (const auto& file : report.carved)
    if (observer && file.known && file.known->label == "known-bad") observer->on_record(known_alert_record(report.image, file).dump());
  for (const auto& h : hashed_files)
    if (observer && observer->wants_records()) observer->on_record(file_record(report.image, *file_map, h).dump());

  auto summary = summary_json(report, options, times);
  if (feature_sink) summary["identifiers"] = feature_sink->summary_json();
  add_stored_evidence_json(summary, report);
  if (known_stage || !hash_sets.empty()) summary["known"] = known_json(report.known, options.known);
  summary["filesystems"] = filesystems_json(report);
  summary["filesystem"] = filesystem_section_json(report, options);
  if (writes) {
    if (!report.interrupted) write_file_atomically(options.output / "hashes.txt", format_hash_list(report.image, report.image_hashes));
    write_known_outputs(options.output, report, options.known);
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
