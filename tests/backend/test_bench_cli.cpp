// `trawl bench` end to end, as people comparing hardware run it: on a CPU-only machine it must
// still run every CPU stage and write JSON that describes the machine.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "host/backend/backend.hpp"
#include "support/test_support.hpp"
#include "trawl/trawl.hpp"

namespace trawl {
namespace {

using nlohmann::json;

TEST(BenchCli, CpuRunWritesJsonWithTheMachineAndEveryStage) {
  test::TempDir dir;
  const auto json_path = dir / "bench.json";
  auto r = test::run(test::cli() + " bench --backend cpu --size 64M --json " + test::shell_quote(json_path.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::read_text(json_path));
  for (const char* key : {"tool", "trawl_version", "date", "backend", "backend_requested", "workers", "data", "cpu", "gpu",
                          "image", "units", "stages"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["backend"], "cpu");
  EXPECT_EQ(j["data"]["bytes"], 64u << 20);
  EXPECT_EQ(j["data"]["block_size"], 4096);
  EXPECT_TRUE(j["cpu"]["model"].is_string());
  EXPECT_GE(j["cpu"]["cores"].get<int>(), 1);
  EXPECT_TRUE(j["gpu"].contains("present"));
  EXPECT_EQ(j["date"].get<std::string>().size(), std::string("2026-11-28T23:59:00Z").size());
  for (const char* stage : {"image.md5", "image.sha1", "image.sha256", "image.sha512", "image.xxh128", "blocks.md5",
                            "blocks.sha1", "blocks.sha256", "blocks.xxh64", "blocks.all", "scan.memory"}) {
    ASSERT_TRUE(j["stages"].contains(stage)) << stage;
    EXPECT_GT(j["stages"][stage]["gbps"].get<double>(), 0) << stage;
    EXPECT_GT(j["stages"][stage]["seconds"].get<double>(), 0) << stage;
    EXPECT_EQ(j["stages"][stage]["bytes"], 64u << 20) << stage;
  }
  // The host-to-device copy is measured only when the CUDA backend ran.
  EXPECT_FALSE(j["stages"].contains("h2d"));
  // The table goes to stdout, one row per stage.
  EXPECT_NE(r.out.find("image.md5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("scan.memory"), std::string::npos) << r.out;
}

TEST(BenchCli, ImageOptionAddsAnEndToEndScanOfThatImage) {
  test::TempDir dir;
  test::write_file(dir / "disk.raw", test::random_bytes((3 << 20) + 5, 11));
  const auto json_path = dir / "bench.json";
  auto r = test::run(test::cli() + " bench --backend cpu --size 1M --hash md5 --block-hash sha256 --block-size 512 --image " +
                     test::shell_quote((dir / "disk.raw").string()) + " --json " + test::shell_quote(json_path.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(test::read_text(json_path));
  EXPECT_EQ(j["stages"]["scan.image"]["bytes"], (3u << 20) + 5);
  EXPECT_EQ(j["data"]["block_size"], 512);
  EXPECT_FALSE(j["stages"].contains("blocks.all"));  // one block algorithm: no combined row
  EXPECT_EQ(j["image"], (dir / "disk.raw").string());
}

TEST(BenchCli, BadOptionsAreUsageErrors) {
  EXPECT_EQ(test::run(test::cli() + " bench --size 0").exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " bench --block-size 1000").exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " bench --hash sha3").exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " bench --size 1M --image /nonexistent/disk.raw").exit_code, 3);
  auto help = test::run(test::cli() + " bench --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--backend"), std::string::npos);
}

TEST(BenchCli, CudaWithoutDeviceIsAUsageError) {
  if (detail::select_backend(BackendKind::automatic, 1).backend->name() == "cuda")
    GTEST_SKIP() << "a usable CUDA device is present";
  auto r = test::run(test::cli() + " bench --backend cuda --size 1M");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--backend cuda: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace trawl
