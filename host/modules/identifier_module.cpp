// The identifier module: the rules compiled once per engine into one Hyperscan database; per scan
// the identifier stage (host/modules/identifier_stage) and its FeatureSink (feature files,
// histograms, watchlist alerts, records as they are found).
#include <algorithm>
#include <thread>

#include "host/filesystem/file_system_map.hpp"
#include "host/modules/identifier_stage.hpp"
#include "host/modules/module.hpp"

namespace trawl::detail {
namespace {

std::unique_ptr<IdentifierScanner> make_identifier_scanner(const IdentifierOptions& o) {
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
        throw Error(ErrorKind::options, "IdentifierOptions::types: no rule finds '" + type + "'");
    std::erase_if(rules, [&](const Rule& r) { return std::find(o.types.begin(), o.types.end(), r.type) == o.types.end(); });
  }
  return std::make_unique<IdentifierScanner>(std::move(rules), o.regions.empty() ? default_regions() : o.regions, o.keep_invalid);
}

IdentifierStage::Prefilter prefilter_mode(PrefilterMode mode) {
  switch (mode) {
    case PrefilterMode::off: return IdentifierStage::Prefilter::off;
    case PrefilterMode::emulated: return IdentifierStage::Prefilter::emulated;
    case PrefilterMode::automatic: break;
  }
  return IdentifierStage::Prefilter::device;
}

class IdentifierRun final : public ModuleRun {
 public:
  IdentifierRun(RunContext& run, const IdentifierScanner& scanner, IdentifierStage::Prefilter prefilter) {
    const auto& options = run.options;
    Watchlist watchlist;
    if (!options.identifiers.watchlist.empty()) watchlist = Watchlist(options.identifiers.watchlist, scanner.validators());
    FeatureSink::Emit emit;
    if (Observer* observer = run.observer; observer && observer->wants_records())
      emit = [observer](const nlohmann::json& record) {
        observer->on_record(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      };
    sink_ = std::make_unique<FeatureSink>(scanner, run.writes() ? options.output / "features" : std::filesystem::path(),
                                          run.report.image, options.identifiers.types, std::move(watchlist), std::move(emit));
    if (run.ranged()) sink_->record_dropped();
    sink_->attribute_files(run.find<FileSystemMap>(service::file_system_map));
    DecodeLimits limits;
    limits.max_output = options.identifiers.decode_max;
    stage_ = std::make_unique<IdentifierStage>(
        scanner, *sink_, run.source, run.backend, prefilter, options.identifiers.decode, limits,
        options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency()));
  }
  std::vector<ChunkStage*> stages() override { return {stage_.get()}; }
  void finish(RunContext& run) override {
    if (run.report.interrupted) return;
    sink_->finish();
    run.report.identifiers = sink_->summary();
  }
  void publish(RunContext&, nlohmann::json& summary) override { summary["identifiers"] = sink_->summary_json(); }

 private:
  std::unique_ptr<FeatureSink> sink_;
  std::unique_ptr<IdentifierStage> stage_;
};

class IdentifierModule final : public Module {
 public:
  explicit IdentifierModule(const ScanOptions& options)
      : scanner_(make_identifier_scanner(options.identifiers)), prefilter_(prefilter_mode(options.identifiers.prefilter)) {
    if (options.margin < scanner_->required_margin())
      throw Error(ErrorKind::options, "ScanOptions::margin must be at least " + std::to_string(scanner_->required_margin()) +
                                          " bytes for identifier search (its longest match and context)");
  }
  std::unique_ptr<ModuleRun> start(RunContext& run) const override {
    return std::make_unique<IdentifierRun>(run, *scanner_, prefilter_);
  }

 private:
  std::unique_ptr<const IdentifierScanner> scanner_;
  IdentifierStage::Prefilter prefilter_;
};

}  // namespace

ModuleSpec identifier_module() {
  const auto wanted = [](const ScanOptions& o) { return o.identifiers.enabled; };
  const auto make = [](const ScanOptions& o) -> std::unique_ptr<Module> { return std::make_unique<IdentifierModule>(o); };
  return {"identifiers", 10, {}, {service::file_system_map}, wanted, make};
}

}  // namespace trawl::detail
