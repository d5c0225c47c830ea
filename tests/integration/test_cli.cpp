// The `trawl` command end to end, against the tools users already trust (md5sum & co.).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/test_support.hpp"

namespace trawl::test {
namespace {

std::string q(const fs::path& p) { return shell_quote(p.string()); }

// The first field of a `md5sum`-style line: the digest.
std::string digest_of(const std::string& tool, const fs::path& file) {
  auto r = run(tool + " " + q(file));
  EXPECT_EQ(r.exit_code, 0) << tool << ": " << r.err;
  return r.out.substr(0, r.out.find(' '));
}

// hashes.txt lines "SHA256 (path) = hex" -> {"SHA256": hex}
std::map<std::string, std::string> read_hash_list(const fs::path& file) {
  std::map<std::string, std::string> out;
  std::regex line(R"(^(\w+) \((.*)\) = ([0-9a-f]+)$)");
  std::istringstream in(read_text(file));
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line)) out[m[1]] = m[3];
  }
  return out;
}

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

class Cli : public ::testing::Test {
 protected:
  TempDir dir;
  CommandResult trawl(const std::string& args) { return run(cli() + " " + args); }
};

TEST_F(Cli, ImageHashesEqualTheSumToolsAtEveryPaddingEdgeAndOn100MiB) {
  std::vector<std::size_t> sizes{0, 1, 55, 56, 63, 64, 65, 511, 512, 4095, 4096, 4097, (1 << 20) + 1, 100u << 20};
  for (auto size : sizes) {
    auto image = dir.evidence("img-" + std::to_string(size));
    write_file(image, random_bytes(size, size + 1));
    auto out = dir / ("out-" + std::to_string(size));
    auto r = trawl("scan " + q(image) + " -o " + q(out) + " --hash md5,sha1,sha256,sha512,xxh128 --block-hash none -q");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto got = read_hash_list(out / "hashes.txt");
    EXPECT_EQ(got["MD5"], digest_of("md5sum", image)) << size;
    EXPECT_EQ(got["SHA1"], digest_of("sha1sum", image)) << size;
    EXPECT_EQ(got["SHA256"], digest_of("sha256sum", image)) << size;
    EXPECT_EQ(got["SHA512"], digest_of("sha512sum", image)) << size;
    EXPECT_EQ(got["XXH128"], digest_of("xxhsum -H2", image)) << size;
    fs::remove(image);
  }
}

TEST_F(Cli, HashListIsCheckedBySha256sum) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(70000, 3));
  ASSERT_EQ(trawl("scan " + q(image) + " -o " + q(dir / "out") + " -q --block-hash none").exit_code, 0);
  auto r = run("cd " + q(dir.path()) + " && sha256sum -c --ignore-missing out/hashes.txt 2>/dev/null | grep -c ': OK'");
  EXPECT_EQ(r.out, "1\n");
}

TEST_F(Cli, SplitRawEqualsItsConcatenation) {
  auto whole = dir.evidence("whole.raw");
  write_file(whole, random_bytes(5 * 100000 + 4321, 4));
  ASSERT_EQ(run("cd " + q(dir.path() / "evidence") + " && split -b 100000 -d -a 3 --numeric-suffixes=1 whole.raw part.").exit_code, 0);
  ASSERT_TRUE(fs::exists(dir.evidence("part.006")));
  auto a = trawl("scan " + q(whole) + " -o " + q(dir / "a") + " -q --block-size 512 --block-hash sha256,md5");
  auto b = trawl("scan " + q(dir.evidence("part.001")) + " -o " + q(dir / "b") + " -q --block-size 512 --block-hash sha256,md5");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto ha = read_hash_list(dir / "a" / "hashes.txt"), hb = read_hash_list(dir / "b" / "hashes.txt");
  EXPECT_EQ(ha, hb);
  EXPECT_EQ(read_text(dir / "a" / "blocks.sha256"), read_text(dir / "b" / "blocks.sha256"));
  EXPECT_EQ(read_text(dir / "a" / "blocks.md5"), read_text(dir / "b" / "blocks.md5"));
  auto summary = nlohmann::json::parse(read_text(dir / "b" / "summary.json"));
  EXPECT_EQ(summary["image"]["kind"], "split");
}

TEST_F(Cli, StdinGivesTheSameHashesAsTheFile) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(3 * 1000003, 5));
  auto a = trawl("scan " + q(image) + " -o " + q(dir / "a") + " -q");
  auto b = run("cat " + q(image) + " | " + cli() + " scan - -o " + q(dir / "b") + " -q --page-size 64K --margin 4K");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(read_hash_list(dir / "a" / "hashes.txt")["SHA256"], read_hash_list(dir / "b" / "hashes.txt")["SHA256"]);
  EXPECT_EQ(read_text(dir / "a" / "blocks.sha256"), read_text(dir / "b" / "blocks.sha256"));
}

TEST_F(Cli, BadSectorsAreZeroFilledReportedAndExitWithCode5) {
  auto image = dir.evidence("disk.raw");
  auto bytes = random_bytes(1 << 20, 6);
  write_file(image, bytes);
  auto r = run("TRAWL_INJECT_BAD_SECTORS=8192:1,500000:3000 " + cli() + " scan " + q(image) + " -o " + q(dir / "out") +
               " --block-size 512 --progress none");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.out.find("2 ranges"), std::string::npos) << r.out;
  auto summary = nlohmann::json::parse(read_text(dir / "out" / "summary.json"));
  ASSERT_EQ(summary["bad_ranges"].size(), 2u);
  EXPECT_EQ(summary["bad_ranges"][0]["offset"], 8192);
  EXPECT_EQ(summary["bad_ranges"][0]["length"], 512);
  EXPECT_EQ(summary["bad_ranges"][1]["offset"], 499712);  // 500000 rounded down to its sector
  EXPECT_EQ(summary["bad_ranges"][1]["length"], 3584);    // through the sector holding byte 502999
  EXPECT_EQ(summary["exit_code"], 5);
  // The zero-filled sector's block digest is that of 512 zero bytes.
  auto blocks = run(cli() + " blocks " + q(dir / "out" / "blocks.sha256") + " --limit 17");
  auto zero = run("head -c 512 /dev/zero | sha256sum");
  EXPECT_NE(blocks.out.find("8192\t512\t" + zero.out.substr(0, 64)), std::string::npos) << blocks.out;
}

TEST_F(Cli, EmptyImageIsValidAndHashesNothing) {
  auto image = dir.evidence("empty.raw");
  write_file(image, {});
  auto r = trawl("scan " + q(image) + " -o " + q(dir / "out") + " -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_hash_list(dir / "out" / "hashes.txt")["MD5"], "d41d8cd98f00b204e9800998ecf8427e");
}

// Every refusal: one line on stderr that starts with "trawl: ", and its documented exit code.
void expect_one_line_error(const CommandResult& r, int code, const std::string& words) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("trawl: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(words), std::string::npos) << r.err;
}

TEST_F(Cli, BadInputGetsOneLineAndTheDocumentedExitCode) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(10000, 7));
  expect_one_line_error(trawl("scan " + q(dir / "missing.raw") + " -o " + q(dir / "o1")), 3, "No such file");
  expect_one_line_error(trawl("scan " + q(dir.path()) + " -o " + q(dir / "o2")), 3, "is a directory");
  expect_one_line_error(trawl("scan " + q(image) + " --frobnicate -o " + q(dir / "o3")), 2, "frobnicate");
  expect_one_line_error(trawl("scan " + q(image)), 2, "-o OUTDIR");
  expect_one_line_error(trawl("scan -o " + q(dir / "o4")), 2, "no IMAGE");
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "o5") + " --block-size 1000"), 2, "power of two");
  // The library names the options by their fields (ScanOptions::margin); the command line by its flags.
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "o8") + " --page-size 64K --margin 128K"), 2,
                        "trawl: --margin must not exceed --page-size\n");
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "o9") + " --block-step 512"), 2,
                        "trawl: --block-step needs --known-blocks\n");
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "o6") + " --hash crc7"), 2, "crc7");
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "o7") + " --page-size 12Q"), 2, "unit");
  expect_one_line_error(trawl("rescan"), 2, "unknown command");
  EXPECT_EQ(trawl("").exit_code, 2);
  // Output folder not empty: refused, then accepted with --force.
  fs::create_directories(dir / "full");
  write_file(dir / "full" / "other.txt", random_bytes(5, 1));
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "full") + " -q"), 4, "--force");
  EXPECT_EQ(trawl("scan " + q(image) + " -o " + q(dir / "full") + " -q --force").exit_code, 0);
  // An output path that is a file.
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(image)), 4, "not a folder");
}

TEST_F(Cli, TruncatedSplitSetIsRefused) {
  write_file(dir.evidence("set.001"), random_bytes(4096, 1));
  write_file(dir.evidence("set.002"), random_bytes(100, 2));
  write_file(dir.evidence("set.003"), random_bytes(50, 3));
  expect_one_line_error(trawl("scan " + q(dir.evidence("set.001")) + " -o " + q(dir / "o")), 3, "truncated split set");
  fs::remove(dir.evidence("set.002"));
  expect_one_line_error(trawl("scan " + q(dir.evidence("set.001")) + " -o " + q(dir / "o")), 3, "set.002");
}

TEST_F(Cli, UnreadableImageIsAnInputError) {
  auto image = dir.evidence("secret.raw");
  write_file(image, random_bytes(1000, 8));
  ::chmod(image.c_str(), 0000);
  ::chmod(dir.path().c_str(), 0777);
  // root reads anything: drop to nobody for this check.
  std::string as_user = ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  auto r = run(as_user + cli() + " scan " + q(image) + " -o " + q(dir / "o"));
  expect_one_line_error(r, 3, "Permission denied");
}

TEST_F(Cli, OutputInsideTheEvidenceFolderIsRefusedUnlessForced) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(1000, 9));
  auto refused = trawl("scan " + q(image) + " -o " + q(dir / "evidence" / "out") + " --progress none");
  expect_one_line_error(refused, 4, "is inside the evidence folder");
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_TRUE(fs::is_empty(dir / "evidence" / "out"));  // nothing written there (the CLI made the folder)
  auto forced = trawl("scan " + q(image) + " -o " + q(dir / "evidence" / "out") + " --progress none --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.err.find("inside the evidence folder"), std::string::npos) << forced.err;
  auto quiet_apart = trawl("scan " + q(image) + " -o " + q(dir / "apart") + " --progress none --backend cpu");
  EXPECT_EQ(quiet_apart.err, "");
}

TEST_F(Cli, EvidenceBytesAndTimesAreUnchanged) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(300000, 10));
  ::chmod(image.c_str(), 0444);
  struct stat before {}, after {};
  ::stat(image.c_str(), &before);
  auto digest = digest_of("sha256sum", image);
  sleep(1);
  ASSERT_EQ(trawl("scan " + q(image) + " -o " + q(dir / "o") + " -q").exit_code, 0);
  ASSERT_EQ(trawl("verify " + q(image) + " --expect " + q(dir / "o" / "hashes.txt") + " -q").exit_code, 0);
  ::stat(image.c_str(), &after);
  EXPECT_EQ(digest_of("sha256sum", image), digest);
  EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(before.st_size, after.st_size);
}

TEST_F(Cli, VerifyAcceptsMatchesAndCatchesATamperedByte) {
  auto image = dir.evidence("disk.raw");
  auto bytes = random_bytes(200000, 11);
  write_file(image, bytes);
  ASSERT_EQ(trawl("scan " + q(image) + " -o " + q(dir / "o") + " -q --hash md5,sha256,xxh128").exit_code, 0);
  auto ok = trawl("verify " + q(image) + " --expect " + q(dir / "o" / "hashes.txt"));
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(std::count(ok.out.begin(), ok.out.end(), '\n'), 3) << ok.out;
  EXPECT_EQ(trawl("verify " + q(image) + " --expect " + q(dir / "o" / "summary.json") + " -q").exit_code, 0);
  // Plain sha256sum output works too.
  run("sha256sum " + q(image) + " > " + q(dir / "plain.sha256"));
  EXPECT_EQ(trawl("verify " + q(image) + " --expect " + q(dir / "plain.sha256") + " -q").exit_code, 0);
  bytes[123456] ^= std::byte{1};
  write_file(image, bytes);
  auto bad = trawl("verify " + q(image) + " --expect " + q(dir / "o" / "hashes.txt"));
  EXPECT_EQ(bad.exit_code, 6);
  EXPECT_NE(bad.out.find("MISMATCH"), std::string::npos) << bad.out;
  expect_one_line_error(trawl("verify " + q(image) + " --expect " + q(dir / "nothing.txt")), 3, "nothing.txt");
}

TEST_F(Cli, BlocksPrintsOffsetsLengthsAndDigests) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(3 * 4096 + 10, 12));
  ASSERT_EQ(trawl("scan " + q(image) + " -o " + q(dir / "o") + " -q --block-hash xxh64").exit_code, 0);
  auto r = trawl("blocks " + q(dir / "o" / "blocks.xxh64"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out), 5);
  EXPECT_EQ(r.out.rfind("# algorithm=xxh64 block_size=4096 image_size=12298 blocks=4\n", 0), 0u) << r.out;
  auto last_block = run("tail -c 10 " + q(image) + " | xxhsum -H1");
  EXPECT_NE(r.out.find("12288\t10\t" + last_block.out.substr(0, 16)), std::string::npos) << r.out;
}

TEST_F(Cli, JsonLinesOnStdoutAndJsonProgressOnStderr) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(5 << 20, 13));
  auto r = trawl("scan " + q(image) + " -o " + q(dir / "o") + " --jsonl --progress json --page-size 1M");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> records;
  for (std::string l; std::getline(lines, l);) records.push_back(nlohmann::json::parse(l));
  ASSERT_GE(records.size(), 5u);
  EXPECT_EQ(records.back()["record"], "summary");
  EXPECT_EQ(records.back()["image"]["size"], 5 << 20);
  std::istringstream progress(r.err);
  int progress_lines = 0;
  for (std::string l; std::getline(progress, l);) {
    if (l.rfind("{\"progress\"", 0) != 0) continue;
    auto p = nlohmann::json::parse(l);
    EXPECT_TRUE(p["progress"].contains("bytes"));
    ++progress_lines;
  }
  EXPECT_GE(progress_lines, 1);
}

TEST_F(Cli, SeveralImagesGetOneFolderEach) {
  write_file(dir.evidence("a.raw"), random_bytes(1000, 14));
  write_file(dir.evidence("b.raw"), random_bytes(2000, 15));
  auto r = trawl("scan " + q(dir.evidence("a.raw")) + " " + q(dir.evidence("b.raw")) + " -o " + q(dir / "case") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "case" / "a.raw" / "summary.json"));
  EXPECT_TRUE(fs::exists(dir / "case" / "b.raw" / "summary.json"));
  // One missing image does not stop the others; the exit code reports it.
  auto partial = trawl("scan " + q(dir.evidence("gone.raw")) + " " + q(dir.evidence("b.raw")) + " -o " + q(dir / "case2") + " -q");
  EXPECT_EQ(partial.exit_code, 3);
  EXPECT_TRUE(fs::exists(dir / "case2" / "b.raw" / "summary.json"));
}

TEST_F(Cli, SigintStopsCleanlyWithCode130AndNoFinalHashes) {
  auto image = dir.evidence("big.raw");
  write_file(image, random_bytes(512u << 20, 17));
  auto out = dir / "o";
  // sha512 + md5 on 1 MiB pages keeps the pass busy for a few seconds on any machine.
  auto r = run(cli() + " scan " + q(image) + " -o " + q(out) +
               " --hash md5,sha512 --page-size 1M --buffers 2 --progress none & pid=$!; sleep 0.5; kill -INT $pid; wait $pid");
  EXPECT_EQ(r.exit_code, 130) << r.err;
  auto summary = nlohmann::json::parse(read_text(out / "summary.json"));
  EXPECT_EQ(summary["interrupted"], true);
  EXPECT_EQ(summary["exit_code"], 130);
  EXPECT_TRUE(summary["hashes"].empty());
  EXPECT_FALSE(fs::exists(out / "hashes.txt"));
  // The image is as large as it is; the pages the pass got through are fewer.
  EXPECT_EQ(summary["image"]["size"].get<std::uint64_t>(), 512u << 20);
  EXPECT_LT(summary["range"]["length"].get<std::uint64_t>(), 512u << 20);
  // The same signal twice in a moment (as `timeout` sends it, to the process and to its group) is
  // one request: the scan still stops cleanly instead of dying mid-write.
  auto twice = run(cli() + " scan " + q(image) + " -o " + q(dir / "o2") +
                   " --hash md5,sha512 --page-size 1M --buffers 2 --progress none & pid=$!; sleep 0.5; kill -INT $pid; "
                   "sleep 0.01; kill -INT $pid; wait $pid");
  EXPECT_EQ(twice.exit_code, 130) << twice.err;
  ASSERT_TRUE(fs::exists(dir / "o2" / "summary.json")) << "killed by the second signal";
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "o2" / "summary.json"))["interrupted"], true);
}

TEST_F(Cli, IdentifiersGoToFeatureFilesHistogramsAndJsonLines) {
  auto image = dir.evidence("disk.raw");
  auto bytes = random_bytes(1 << 20, 18);
  for (auto& b : bytes)
    if (std::isalnum(static_cast<unsigned char>(b)) || b == std::byte{'@'} || b == std::byte{'+'}) b = std::byte{0};
  std::string text = "Tel. +33 6 12 34 56 78 / 06 12 34 56 78, mail: Someone@Example.org";
  std::memcpy(bytes.data() + 4096, text.data(), text.size());
  write_file(image, bytes);
  write_file(dir / "watch.txt", std::vector<std::byte>{});
  run("printf '+33 612 345 678\tcall centre\n' > " + q(dir / "watch.txt"));
  auto r = trawl("scan " + q(image) + " -o " + q(dir / "o") + " --jsonl --carve none --watchlist " + q(dir / "watch.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto phones = read_text(dir / "o" / "features" / "phone.txt");
  EXPECT_NE(phones.find("# Feature-Recorder: phone\n"), std::string::npos);
  EXPECT_NE(phones.find("4101\t+33 6 12 34 56 78\t"), std::string::npos) << phones;
  EXPECT_EQ(read_text(dir / "o" / "features" / "phone_histogram.txt"), "n=2\t+33612345678\n");
  EXPECT_NE(read_text(dir / "o" / "features" / "email.txt").find("\tSomeone@Example.org\t"), std::string::npos);
  int alerts = 0, features = 0;
  std::istringstream lines(r.out);
  for (std::string l; std::getline(lines, l);) {
    auto j = nlohmann::json::parse(l);
    alerts += j["record"] == "alert";
    features += j["record"] == "feature";
  }
  EXPECT_EQ(alerts, 2);
  EXPECT_EQ(features, 3);
  auto summary = nlohmann::json::parse(read_text(dir / "o" / "summary.json"));
  EXPECT_EQ(summary["identifiers"]["counts"]["phone"], 2);
  EXPECT_EQ(summary["identifiers"]["watchlist"]["hits"], 2);
}

TEST_F(Cli, BadRulesAndTypesAreUsageErrorsNamingTheLine) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(1000, 19));
  run("printf '[mine]\\ntype = x\\npattern = a(?=b)\\n' > " + q(dir / "bad.rules"));
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "o1") + " --rules " + q(dir / "bad.rules")), 2, "bad.rules:1");
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "o2") + " --find telex"), 2, "telex");
  expect_one_line_error(trawl("scan " + q(image) + " -o " + q(dir / "o3") + " --page-size 4K --margin 512"), 2, "--margin");
  EXPECT_FALSE(fs::exists(dir / "o1"));  // refused before anything was written
}

TEST_F(Cli, HelpHasExamplesAndVersionPrintsTheVersion) {
  auto help = trawl("scan --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
  auto version = trawl("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("trawl ", 0), 0u);
  EXPECT_EQ(trawl("--help").exit_code, 0);
}

TEST_F(Cli, BlockDeviceIsReadLikeAFile) {
  auto image = dir.evidence("disk.raw");
  write_file(image, random_bytes(1 << 20, 16));
  auto attach = run("losetup --find --show --read-only " + q(image));
  if (attach.exit_code != 0 || attach.out.empty()) GTEST_SKIP() << "no loop device here: " << attach.err;
  std::string device = attach.out.substr(0, attach.out.find('\n'));
  auto r = trawl("scan " + device + " -o " + q(dir / "o") + " -q --block-hash none");
  run("losetup -d " + device);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_hash_list(dir / "o" / "hashes.txt")["SHA256"], digest_of("sha256sum", image));
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "o" / "summary.json"))["image"]["kind"], "device");
}

}  // namespace
}  // namespace trawl::test
