// The hashing modules: whole-image hashes (one sequential chain per algorithm; digests stored in
// the evidence, E01, verified after a complete pass) and block hashes (on the backend, one
// block-digest file per algorithm).
#include <algorithm>

#include "host/modules/hash_stages.hpp"
#include "host/modules/module.hpp"
#include "host/sinks/hash_list.hpp"

namespace trawl::detail {
namespace {

class ImageHashRun final : public ModuleRun {
 public:
  ImageHashRun(RunContext& run, const std::vector<HashAlgorithm>& asked) {
    // Image hashes need every byte in order: none for a range.
    if (run.ranged()) return;
    algorithms_ = asked;
    // Digests stored in the evidence (E01) are checked at the end of a whole pass: their
    // algorithms are computed even when they were not asked for.
    stored_ = run.source.stored_hashes();
    for (const auto& [name, hex] : stored_) {
      HashAlgorithm a{};
      try {
        a = image_algorithm(name);
      } catch (const Error&) {
        continue;  // an algorithm trawl does not compute cannot be verified
      }
      if (std::ranges::find(algorithms_, a) != algorithms_.end()) continue;
      algorithms_.push_back(a);
      run.notify("also computing " + name + " to verify the " + name + " stored in the " + run.report.source_kind + " image");
    }
    if (algorithms_.empty()) return;
    const HashAlgorithm critical = slowest_image_algorithm(algorithms_);
    for (auto a : algorithms_) stages_.push_back(std::make_unique<ImageHashStage>(a, a == critical));
    run.provide(service::image_chains, &algorithms_);
  }
  std::vector<ChunkStage*> stages() override {
    std::vector<ChunkStage*> stages;
    for (auto& s : stages_) stages.push_back(s.get());
    return stages;
  }
  // An interrupted pass has seen only part of the image: its digests must not look final, and
  // the stored digests are compared after a complete pass only (a partial one proves nothing).
  void finish(RunContext& run) override {
    auto& report = run.report;
    if (report.interrupted) return;
    for (auto& s : stages_) report.image_hashes.push_back({std::string(info(s->algorithm()).name), s->final_hex()});
    for (const auto& [name, hex] : stored_) {
      auto computed = std::ranges::find(report.image_hashes, name, &ImageDigest::algorithm);
      if (computed == report.image_hashes.end()) continue;
      report.verification.push_back({name, hex, computed->hex, computed->hex == hex});
    }
    for (const auto& v : report.verification) {
      if (v.match) {
        run.log.write("info", "verified: computed " + v.algorithm + " equals the one stored in the image");
      } else {
        run.notify("error: " + v.algorithm + " MISMATCH: the image stores " + v.stored + ", its data hashes to " + v.computed);
      }
    }
  }
  void publish(RunContext& run, nlohmann::json&) override {
    const auto& report = run.report;
    if (run.writes() && !report.interrupted)
      write_file_atomically(run.options.output / "hashes.txt", format_hash_list(report.image, report.image_hashes));
    for (const auto& digest : report.image_hashes) run.emit(image_hash_record(report.image, digest));
  }

 private:
  std::vector<HashAlgorithm> algorithms_;
  std::map<std::string, std::string> stored_;
  std::vector<std::unique_ptr<ImageHashStage>> stages_;
};

class BlockHashRun final : public ModuleRun {
 public:
  BlockHashRun(RunContext& run, const std::vector<HashAlgorithm>& algorithms) {
    // Block digests need somewhere to go: without an output folder they are skipped.
    if (!run.writes()) return;
    const auto& o = run.options;
    std::vector<BlockHashStage::Output> outputs;
    for (auto a : algorithms)
      outputs.push_back({a, std::make_unique<BlockDigestWriter>(o.output / ("blocks." + std::string(info(a).name)), a,
                                                                o.block_size, run.job.range.offset / o.block_size)});
    stage_ = std::make_unique<BlockHashStage>(run.backend, o.block_size, std::move(outputs));
    stage_->yield_to_image_hashes(run.find<std::vector<HashAlgorithm>>(service::image_chains) != nullptr);
  }
  std::vector<ChunkStage*> stages() override {
    return stage_ ? std::vector<ChunkStage*>{stage_.get()} : std::vector<ChunkStage*>{};
  }
  void finish(RunContext& run) override {
    auto& report = run.report;
    if (!stage_ || report.interrupted) return;
    for (auto& output : stage_->outputs()) {
      const std::string name(info(output.algorithm).name);
      output.writer->close(report.image_size, run.ranged() ? report.range.offset + report.range.length : 0);
      report.block_hashes.push_back({name, run.options.output / ("blocks." + name), output.writer->block_count()});
    }
  }

 private:
  std::unique_ptr<BlockHashStage> stage_;
};

// The algorithms named in the options, parsed once; each scan's Run gets them.
template <class Run>
class AlgorithmsModule final : public Module {
 public:
  AlgorithmsModule(const std::vector<std::string>& names, HashAlgorithm (*parse)(std::string_view)) {
    for (const auto& name : names) algorithms_.push_back(parse(name));
  }
  std::unique_ptr<ModuleRun> start(RunContext& run) const override { return std::make_unique<Run>(run, algorithms_); }

 private:
  std::vector<HashAlgorithm> algorithms_;
};

}  // namespace

ModuleSpec image_hash_module() {
  // Always: an E01's stored digests are verified even when no image hash was asked for.
  const auto wanted = [](const ScanOptions&) { return true; };
  const auto make = [](const ScanOptions& o) -> std::unique_ptr<Module> {
    return std::make_unique<AlgorithmsModule<ImageHashRun>>(o.image_hashes, image_algorithm);
  };
  return {"image-hashes", 20, {service::image_chains}, {}, wanted, make};
}

ModuleSpec block_hash_module() {
  const auto wanted = [](const ScanOptions& o) { return !o.block_hashes.empty(); };
  const auto make = [](const ScanOptions& o) -> std::unique_ptr<Module> {
    return std::make_unique<AlgorithmsModule<BlockHashRun>>(o.block_hashes, block_algorithm);
  };
  return {"block-hashes", 30, {}, {service::image_chains}, wanted, make};
}

}  // namespace trawl::detail
