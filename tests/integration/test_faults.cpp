// Fault injection, end to end: an output folder on a filesystem that fills up, SIGINT and SIGKILL
// at seeded random moments, short reads and bad sectors from the source. In every case the exit
// code is the documented one, the message is one line, and what was written is still valid:
// summary.json absent or whole (written atomically), JSON Lines files end on a whole line (after
// SIGKILL: every line but a last one without '\n' is whole). And evidence: no command changes an
// image's bytes, times or folder, and the image is only ever opened read-only.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <random>

#include "support/test_support.hpp"

namespace trawl::test {
namespace {

std::string q(const fs::path& p) { return shell_quote(p.string()); }

// An image with an e-mail address every 200 bytes between random bytes: many feature records.
std::vector<std::byte> image_with_features(std::size_t size, std::uint64_t seed) {
  auto bytes = random_bytes(size, seed);
  for (std::size_t at = 0, n = 0; at + 64 < size; at += 200, ++n) {
    const std::string text = " user" + std::to_string(n) + "@example.org ";
    std::memcpy(bytes.data() + at, text.data(), text.size());
  }
  return bytes;
}

// A JSON Lines file ends on '\n' and every line parses (`last_may_be_cut`: after SIGKILL, a last
// line without '\n' is allowed and ignored).
void expect_whole_json_lines(const fs::path& file, bool last_may_be_cut = false) {
  if (!fs::exists(file)) return;
  std::string text = read_text(file);
  if (text.empty()) return;
  if (text.back() != '\n') {
    ASSERT_TRUE(last_may_be_cut) << file << " does not end on a whole line";
    text.erase(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  }
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << file << " line " << number << ": " << line;
  }
}

// summary.json is absent or whole, and no temporary file is left behind by a clean exit.
void expect_summary_absent_or_whole(const fs::path& out, bool tmp_allowed = false) {
  if (fs::exists(out / "summary.json")) {
    auto j = nlohmann::json::parse(read_text(out / "summary.json"), nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "summary.json is not whole JSON";
  }
  if (!tmp_allowed) {
    EXPECT_FALSE(fs::exists(out / "summary.json.tmp"));
  }
}

void expect_outputs_valid(const fs::path& out, bool killed = false) {
  expect_summary_absent_or_whole(out, killed);
  expect_whole_json_lines(out / "features" / "features.jsonl", killed);
  expect_whole_json_lines(out / "carved" / "files.jsonl");  // written atomically at the end
}

class Faults : public ::testing::Test {
 protected:
  TempDir dir;
  CommandResult trawl(const std::string& args) { return run(cli() + " " + args); }
};

// A tmpfs of 2 MiB as the output folder: the scan writes far more (feature records, block
// digests), so a write fails with ENOSPC part way.
TEST_F(Faults, FullOutputDiskIsExitCode4WithOneLineAndWholeFiles) {
  const fs::path mount_point = dir / "small";
  fs::create_directories(mount_point);
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=2m") != 0)
    GTEST_SKIP() << "cannot mount a 2 MiB tmpfs (needs root or CAP_SYS_ADMIN): " << std::strerror(errno);
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point};
  auto image = dir.evidence("disk.raw");
  write_file(image, image_with_features(24 << 20, 1));
  // Each stage's outputs on their own (features, block digests, carved files), then all at once.
  const std::vector<std::pair<std::string, std::string>> runs{
      {"features", "--block-hash none --carve none --hash md5"},
      {"blocks", "--block-hash sha256,md5 --block-size 512 --find none --carve none --hash md5"},
      {"all", "--block-size 512"},
  };
  for (const auto& [name, options] : runs) {
    SCOPED_TRACE(name);
    const fs::path out = mount_point / name;
    auto r = trawl("scan " + q(image) + " -o " + q(out) + " -q " + options);
    SCOPED_TRACE(run("df -k " + q(mount_point) + "; du -sk " + q(out)).out);
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("trawl: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.err.find("No space left") != std::string::npos || r.err.find("disk full") != std::string::npos) << r.err;
    EXPECT_NE(r.err.find(out.string()), std::string::npos) << "the message names the file: " << r.err;
    expect_outputs_valid(out);
    fs::remove_all(out);
  }
}

// SIGINT at seeded random moments: exit 130 (or 0 if the scan was already done), partial
// outputs valid, summary.json says interrupted.
TEST_F(Faults, SigintAtRandomMomentsExits130WithValidPartialOutputs) {
  auto image = dir.evidence("disk.raw");
  write_file(image, image_with_features(48 << 20, 2));
  std::mt19937 rng(20261129);
  std::uniform_int_distribution<int> delay_ms(20, 1500);
  int interrupted = 0;
  for (int trial = 0; trial < 6; ++trial) {
    const int ms = delay_ms(rng);
    SCOPED_TRACE("SIGINT after " + std::to_string(ms) + " ms");
    const fs::path out = dir / ("int-" + std::to_string(trial));
    auto r = run("timeout --preserve-status -s INT " + std::to_string(ms / 1000.0) + " " + cli() + " scan " + q(image) +
                 " -o " + q(out) + " -q --block-size 512");
    ASSERT_TRUE(r.exit_code == 130 || r.exit_code == 0) << r.exit_code << ": " << r.err;
    expect_outputs_valid(out);
    if (r.exit_code == 130) {
      ++interrupted;
      if (fs::exists(out / "summary.json")) {
        auto summary = nlohmann::json::parse(read_text(out / "summary.json"));
        EXPECT_TRUE(summary.dump().find("interrupted") != std::string::npos) << summary.dump();
      }
    }
  }
  EXPECT_GT(interrupted, 0) << "no trial interrupted the scan: the image is too small for this machine";
}

// SIGKILL at seeded random moments: nothing can be cleaned up, yet summary.json is absent or
// whole and the JSON Lines hold whole lines but for a last one without '\n'.
TEST_F(Faults, SigkillAtRandomMomentsLeavesOnlyWholeRecords) {
  auto image = dir.evidence("disk.raw");
  write_file(image, image_with_features(48 << 20, 3));
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay_ms(20, 1500);
  for (int trial = 0; trial < 6; ++trial) {
    const int ms = delay_ms(rng);
    SCOPED_TRACE("SIGKILL after " + std::to_string(ms) + " ms");
    const fs::path out = dir / ("kill-" + std::to_string(trial));
    auto r = run("timeout --preserve-status -s KILL " + std::to_string(ms / 1000.0) + " " + cli() + " scan " + q(image) +
                 " -o " + q(out) + " -q --block-size 512");
    ASSERT_TRUE(r.exit_code == 137 || r.exit_code == 0) << r.exit_code << ": " << r.err;
    expect_outputs_valid(out, true);
  }
}

// Reads that come back short (no error) at page edges, in margins and mid-page give the same
// results as clean reads; bad sectors give exit 5 and the same results elsewhere.
TEST_F(Faults, ShortReadsChangeNothingAndBadSectorsAreExit5) {
  auto image = dir.evidence("disk.raw");
  write_file(image, image_with_features(5 << 20, 4));
  const std::string options = " -q --page-size 1M --margin 64K --block-size 4096 --carve none";
  ASSERT_EQ(trawl("scan " + q(image) + " -o " + q(dir / "clean") + options).exit_code, 0);
  auto r = run("TRAWL_INJECT_SHORT_READS=1,1M,1048575,1114111,3000001,5242879 " + cli() + " scan " + q(image) + " -o " +
               q(dir / "short") + options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"hashes.txt", "blocks.sha256", "features/features.jsonl"})
    EXPECT_EQ(read_text(dir / "clean" / file), read_text(dir / "short" / file)) << file;
  auto bad = run("TRAWL_INJECT_BAD_SECTORS=4096:1,2M:5000 " + cli() + " scan " + q(image) + " -o " + q(dir / "bad") + options);
  EXPECT_EQ(bad.exit_code, 5) << bad.err;
  expect_outputs_valid(dir / "bad");
}

struct FileState {
  std::string sha256;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  std::uint64_t size = 0;
  mode_t mode = 0;
  bool operator==(const FileState&) const = default;
};

FileState state_of(const fs::path& file) {
  struct stat st {};
  EXPECT_EQ(::stat(file.c_str(), &st), 0) << file;
  auto r = run("sha256sum " + q(file));
  return {r.out.substr(0, 64), st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
          st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec, static_cast<std::uint64_t>(st.st_size), st.st_mode};
}

std::string listing(const fs::path& folder) {
  return run("ls -l --time-style=full-iso " + q(folder) + " | tail -n +2").out;  // the files, without "total"
}

// Every command that reads evidence leaves the image's bytes, size, mode, mtime and ctime and its
// folder's listing as they were; strace shows the image opened O_RDONLY only.
TEST_F(Faults, NoCommandChangesTheEvidence) {
  auto image = dir.evidence("disk.raw");
  write_file(image, image_with_features(3 << 20, 5));
  auto second = dir.evidence("disk.001");  // a split set of one, for the split source
  write_file(second, image_with_features(1 << 20, 6));
  const auto image_before = state_of(image), second_before = state_of(second);
  const auto folder_before = listing(image.parent_path());
  const std::vector<std::string> commands{
      "scan " + q(image) + " -o " + q(dir / "s") + " -q --block-size 512 --carve all --hash md5,sha1,sha256,xxh128",
      "scan " + q(image) + " -o " + q(dir / "r0") + " -q --page-size 1M --margin 64K --range 0:2M --block-size 512",
      "scan " + q(image) + " -o " + q(dir / "r1") + " -q --page-size 1M --margin 64K --range 2M:1M --block-size 512",
      "merge " + q(dir / "r0") + " " + q(dir / "r1") + " -o " + q(dir / "m") + " -q",
      "verify " + q(image) + " --expect " + q(dir / "s" / "hashes.txt") + " -q",
      "blocks " + q(dir / "s" / "blocks.sha256"),
      "case build " + q(dir / "s") + " -o " + q(dir / "case.db") + " -q",
      "scan " + q(second) + " -o " + q(dir / "split") + " -q",
      "scan " + q(image) + " -o " + q(dir / "evidence" / "forced") + " -q --force --carve none",
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(command);
    auto r = trawl(command);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(state_of(image), image_before);
  EXPECT_EQ(state_of(second), second_before);
  fs::remove_all(dir / "evidence" / "forced");
  EXPECT_EQ(listing(image.parent_path()), folder_before);

  if (run("command -v strace").exit_code != 0) GTEST_SKIP() << "strace is not installed (scripts/setup.sh installs it)";
  // LeakSanitizer cannot run under ptrace: off for this run of a sanitizer build.
  auto traced = run("ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=openat,open,creat,truncate -o " + q(dir / "trace") + " " + cli() + " scan " + q(image) +
                    " -o " + q(dir / "traced") + " -q --carve all");
  ASSERT_EQ(traced.exit_code, 0) << traced.err;
  int opens = 0;
  std::istringstream trace(read_text(dir / "trace"));
  for (std::string line; std::getline(trace, line);) {
    if (line.find(image.string()) == std::string::npos) continue;
    ++opens;
    EXPECT_NE(line.find("O_RDONLY"), std::string::npos) << line;
    for (const char* flag : {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "truncate("})
      EXPECT_EQ(line.find(flag), std::string::npos) << line;
  }
  EXPECT_GT(opens, 0) << "strace saw no open of the image";
}

}  // namespace
}  // namespace trawl::test
