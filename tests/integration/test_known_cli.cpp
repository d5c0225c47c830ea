// `trawl hashdb build`, `trawl hashset import` and `trawl scan --known-blocks/--hashset` end to
// end through the command line, with the tools' own output as the reference (sha256sum lists).
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace trawl::test {
namespace {

std::string q(const fs::path& p) { return shell_quote(p.string()); }
CommandResult trawl(const std::string& args) { return run(cli() + " " + args); }

TEST(KnownCli, HashdbBuildThenScanFindsAFileAtASectorOffset) {
  TempDir dir;
  fs::create_directories(dir / "known");
  const auto file = random_bytes(20 * 4096 + 100, 1);
  write_file(dir / "known" / "report.bin", file);
  auto image = random_bytes(1 << 20, 2);
  std::memcpy(image.data() + 300 * 512, file.data(), file.size());
  write_file(dir / "disk.raw", image);

  auto r = trawl("hashdb build " + q(dir / "known") + " -o " + q(dir / "known.tdb"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 files, 20 blocks"), std::string::npos) << r.out;
  r = trawl("scan " + q(dir / "disk.raw") + " -o " + q(dir / "out") + " --force --known-blocks " + q(dir / "known.tdb") +
            " --block-step 512 --carve none --find none --progress none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("known     1 known files"), std::string::npos) << r.out;
  const auto record = nlohmann::json::parse(read_text(dir / "out" / "known" / "files.jsonl"));
  EXPECT_EQ(record["file"], (dir / "known" / "report.bin").string());
  EXPECT_EQ(record["blocks_found"], 20);
  EXPECT_EQ(record["offsets"], nlohmann::json::array({300 * 512}));
  EXPECT_EQ(record["fraction"], 1.0);

  // At step 4096 the copy at 153600 (not a multiple of 4096) is not seen.
  r = trawl("scan " + q(dir / "disk.raw") + " -o " + q(dir / "out4k") + " --force --known-blocks " + q(dir / "known.tdb") +
            " --carve none --find none --progress none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(dir / "out4k" / "known" / "files.jsonl"), "");
}

TEST(KnownCli, HashsetImportOfASha256sumList) {
  TempDir dir;
  write_file(dir / "a.bin", random_bytes(1000, 1));
  ASSERT_EQ(run("cd " + q(dir.path()) + " && sha256sum a.bin > list.sha256 && md5sum --tag a.bin > list.md5").exit_code, 0);
  auto r = trawl("hashset import " + q(dir / "list.sha256") + " " + q(dir / "list.md5") + " -o " + q(dir / "s.ths") +
                 " --set mine --label known-bad");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 2 files: 1 md5, 0 sha1, 1 sha256"), std::string::npos) << r.out;
}

TEST(KnownCli, BadStoresAndOptionsGetOneLineAndTheDocumentedExitCode) {
  TempDir dir;
  write_file(dir / "disk.raw", random_bytes(64 << 10, 1));
  write_file(dir / "junk.tdb", random_bytes(500, 2));
  auto r = trawl("scan " + q(dir / "disk.raw") + " -o " + q(dir / "out") + " --force --known-blocks " + q(dir / "junk.tdb") + " --progress none");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "trawl: '" + (dir / "junk.tdb").string() + "' is not a usable block database: wrong magic (build one with trawl hashdb build)\n");
  r = trawl("scan " + q(dir / "disk.raw") + " -o " + q(dir / "out") + " --force --hashset " + q(dir / "missing.ths") + " --progress none");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = trawl("hashset import " + q(dir / "disk.raw") + " -o " + q(dir / "x.ths") + " --label maybe");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = trawl("hashdb build " + q(dir / "nothing-here") + " -o " + q(dir / "x.tdb"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  r = trawl("hashdb build " + q(dir / "disk.raw") + " -o " + q(dir / "x.tdb") + " --block-size 1000");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = trawl("hashdb frobnicate");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace trawl::test
