// Stage modules (host/modules/module.hpp): a module defined here, outside the engine, registers
// and takes part in a scan — its stage sees every chunk, it uses a service another module
// provides, and its records, files and summary section appear — without any edit to the pipeline
// or the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "host/modules/module.hpp"
#include "support/memory_source.hpp"
#include "support/test_support.hpp"

namespace trawl {
namespace {

using test::MemorySource;
using test::TempDir;

constexpr std::string_view marker = "TOY-MARKER";

// Counts the markers that start in each page (the margin holds the rest of one that starts near
// the page's end), so the count does not depend on the chunk geometry.
class MarkerStage final : public detail::ChunkStage {
 public:
  std::string name() const override { return "toy"; }
  unsigned workers() const override { return 2; }
  void consume(const detail::Chunk& chunk) override {
    const std::string_view data(reinterpret_cast<const char*>(chunk.bytes), chunk.data_len);
    for (auto at = data.find(marker); at != std::string_view::npos && at < chunk.page_len; at = data.find(marker, at + 1))
      count_.fetch_add(1);
    chunks_.fetch_add(1);
  }
  std::uint64_t count() const { return count_.load(); }
  std::uint64_t chunks() const { return chunks_.load(); }

 private:
  std::atomic<std::uint64_t> count_{0}, chunks_{0};
};

class ToyRun final : public detail::ModuleRun {
 public:
  explicit ToyRun(detail::RunContext& run)
      : saw_image_chains_(run.find<std::vector<detail::HashAlgorithm>>(detail::service::image_chains) != nullptr) {}
  std::vector<detail::ChunkStage*> stages() override { return {&stage_}; }
  void finish(detail::RunContext& run) override { run.report.stage_seconds["toy-finish"] = 0; }
  void publish(detail::RunContext& run, nlohmann::json& summary) override {
    summary["toy"] = {{"markers", stage_.count()}, {"chunks", stage_.chunks()}, {"saw_image_chains", saw_image_chains_}};
    if (run.writes()) std::ofstream(run.options.output / "toy.txt") << stage_.count() << "\n";
    run.emit({{"record", "toy"}, {"markers", stage_.count()}});
  }

 private:
  MarkerStage stage_;
  bool saw_image_chains_;
};

class ToyModule final : public detail::Module {
 public:
  std::unique_ptr<detail::ModuleRun> start(detail::RunContext& run) const override { return std::make_unique<ToyRun>(run); }
};

detail::ModuleSpec toy_spec(int order = 100) {
  return {.name = "toy",
          .order = order,
          .provides = {},
          .needs = {detail::service::image_chains},
          .wanted = [](const ScanOptions& o) { return o.identifiers.enabled; },  // any option will do
          .make = [](const ScanOptions&) -> std::unique_ptr<detail::Module> { return std::make_unique<ToyModule>(); }};
}

class Records final : public Observer {
 public:
  void on_record(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

std::vector<std::byte> image_with_markers(std::size_t size, const std::vector<std::size_t>& at) {
  auto image = test::random_bytes(size, 7);
  for (auto offset : at) std::memcpy(image.data() + offset, marker.data(), marker.size());
  return image;
}

ScanOptions toy_options(const TempDir& dir, const std::string& name, std::size_t page) {
  ScanOptions o;
  o.page_size = page;
  o.margin = 4096;
  o.buffers = 3;
  o.output = dir / name;
  o.backend = BackendKind::cpu;
  o.block_hashes.clear();
  return o;
}

TEST(Modules, AModuleDefinedOutsideTheEngineRunsInEveryScan) {
  detail::ModuleRegistration registration(toy_spec());
  TempDir dir;
  // Markers at a page start, across page boundaries (for 64 KiB and 16 KiB pages) and at the end.
  const std::vector<std::size_t> at{0, 1000, (64 << 10) - 3, (16 << 10) * 5 - 1, 300000, (512 << 10) - marker.size()};
  MemorySource source(image_with_markers(512 << 10, at));
  for (std::size_t page : {std::size_t{16} << 10, std::size_t{64} << 10}) {
    SCOPED_TRACE(page);
    const auto options = toy_options(dir, "out" + std::to_string(page), page);
    Records records;
    const auto report = scan(source, options, &records);
    EXPECT_EQ(report.exit_code(), ExitCode::ok);
    EXPECT_TRUE(report.stage_seconds.contains("toy"));  // its stage ran as the pass's stages do
    EXPECT_TRUE(report.stage_seconds.contains("toy-finish"));
    std::ifstream summary_file(options.output / "summary.json");
    const auto summary = nlohmann::json::parse(summary_file);
    EXPECT_EQ(summary["toy"]["markers"], at.size());
    EXPECT_EQ(summary["toy"]["chunks"], (512 << 10) / page);
    EXPECT_EQ(summary["toy"]["saw_image_chains"], true);  // the image-hash module's service
    std::ifstream toy(options.output / "toy.txt");
    std::uint64_t written = 0;
    toy >> written;
    EXPECT_EQ(written, at.size());
    EXPECT_EQ(std::ranges::count_if(records.lines,
                                    [](const std::string& l) { return l.find("\"record\":\"toy\"") != std::string::npos; }),
              1);
    // The engine's own modules still ran beside it.
    EXPECT_EQ(report.image_hashes.size(), 3u);
  }
}

TEST(Modules, AModuleTheOptionsDoNotWantIsNotStarted) {
  detail::ModuleRegistration registration(toy_spec());
  TempDir dir;
  MemorySource source(image_with_markers(64 << 10, {10}));
  auto options = toy_options(dir, "out", 16 << 10);
  options.identifiers.enabled = false;
  const auto report = scan(source, options);
  EXPECT_FALSE(report.stage_seconds.contains("toy"));
  EXPECT_FALSE(std::filesystem::exists(options.output / "toy.txt"));
}

TEST(Modules, ARegistrationEndsWithItsLifetime) {
  {
    detail::ModuleRegistration registration(toy_spec());
    EXPECT_TRUE(std::ranges::any_of(detail::registered_modules(), [](const auto& m) { return m.name == "toy"; }));
  }
  EXPECT_FALSE(std::ranges::any_of(detail::registered_modules(), [](const auto& m) { return m.name == "toy"; }));
}

TEST(Modules, TheRegistryIsInOrderAndEveryProviderStartsBeforeItsUsers) {
  const auto modules = detail::registered_modules();
  ASSERT_GE(modules.size(), 7u);
  EXPECT_TRUE(std::ranges::is_sorted(modules, {}, &detail::ModuleSpec::order));
  // A module that needs the image-hash chains but would start before the module providing them.
  detail::ModuleRegistration early(toy_spec(/*order=*/-1));
  try {
    detail::registered_modules();
    FAIL() << "a need before its provider was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal);
    EXPECT_NE(std::string(e.what()).find("image-chains"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trawl
