// Expert Witness (E01) images: made in the test from generated raw images with ewfacquire (Debian
// ewf-tools), then read by trawl and compared with the run on the raw image, byte for byte.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "carvers/samples.hpp"
#include "host/source/ewf_source.hpp"
#include "support/test_support.hpp"

namespace trawl::test {
namespace {

std::string q(const fs::path& p) { return shell_quote(p.string()); }

bool have_ewfacquire() { return run("command -v ewfacquire").exit_code == 0; }

#define REQUIRE_EWFACQUIRE() \
  if (!have_ewfacquire()) GTEST_SKIP() << "ewfacquire (Debian ewf-tools) is not installed"

void append(std::vector<std::byte>& image, std::span<const std::byte> bytes) { image.insert(image.end(), bytes.begin(), bytes.end()); }
void append_text(std::vector<std::byte>& image, std::string_view text) {
  append(image, std::as_bytes(std::span(text.data(), text.size())));
}
void pad_to(std::vector<std::byte>& image, std::size_t multiple, std::uint64_t seed) {
  const std::size_t want = (image.size() + multiple - 1) / multiple * multiple;
  append(image, random_bytes(want - image.size(), seed));
}

// About 6 MiB of what a disk holds: random (incompressible) stretches, text with identifiers,
// zeros, and real files to carve (a JPEG, a PNG, a PDF, a hand-built PE). A multiple of 512 bytes, since
// ewfacquire stores whole sectors only.
std::vector<std::byte> make_disk() {
  std::vector<std::byte> image = random_bytes(700000, 11);
  for (int i = 0; i < 2000; ++i)
    append_text(image, "Invoice " + std::to_string(i) + " sent to clerk" + std::to_string(i % 37) +
                           "@example.org, call +33 6 12 34 56 " + std::to_string(10 + i % 90) +
                           " or visit https://shop.example.com/item/" + std::to_string(i * 7) + "\n");
  pad_to(image, 4096, 12);
  for (const char* file : {"pic1/IMG-20191006-WA0002.jpg", "pic1/debian.png", "text1/a-text.pdf"}) {
    auto bytes = read_bytes(forensics_samples / file);
    append(image, bytes);
    pad_to(image, 4096, 13);
  }
  append(image, make_pe());
  pad_to(image, 4096, 14);
  image.resize(image.size() + (1u << 20));  // zeros: empty blocks
  append(image, random_bytes(2u << 20, 15));
  append_text(image, "last words: contact@example.net +1 202 555 0143\n");
  pad_to(image, 512, 16);
  return image;
}

// ewfacquire's settings for one E01 of the image.
struct Acquisition {
  std::string name;         // the target's base name
  std::string compression;  // -c: none, empty-block, fast, best
  std::string segment;      // -S: segment file size
  std::string format;       // -f
  unsigned sectors = 64;    // -b: sectors per chunk
};

std::string acquire(const fs::path& raw, const fs::path& dir, const Acquisition& a) {
  auto r = run("ewfacquire -u -q -t " + q(dir / a.name) + " -c " + a.compression + " -S " + a.segment + " -f " + a.format +
               " -b " + std::to_string(a.sectors) + " -d sha1 -C CASE-2026-17 -e 'Ada Examiner' -E EV-3 -D 'seized laptop'" +
               " -N 'test acquisition' " + q(raw));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return (dir / (a.name + ".E01")).string();
}

// Every output file of a run, as text with the image path and run times taken out.
std::map<std::string, std::string> outputs(const fs::path& out, const std::string& image) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (!entry.is_regular_file()) continue;
    const auto name = fs::relative(entry.path(), out).string();
    if (name == "summary.json" || name == "trawl.log") continue;  // compared field by field below
    std::string text = read_text(entry.path());
    for (std::size_t at; (at = text.find(image)) != std::string::npos;) text.replace(at, image.size(), "IMAGE");
    std::istringstream in(text);
    std::string kept;
    static const std::regex run_specific(R"(<start_time>)");  // DFXML: when the run began
    for (std::string line; std::getline(in, line);)
      if (!std::regex_search(line, run_specific)) kept += line + "\n";
    files[name] = kept;
  }
  return files;
}

nlohmann::json summary_of(const fs::path& out) { return nlohmann::json::parse(read_text(out / "summary.json")); }

class Ewf : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    disk_ = new std::vector<std::byte>(make_disk());
  }
  static void TearDownTestSuite() {
    delete disk_;
    disk_ = nullptr;
  }
  void SetUp() override {
    raw_ = dir / "disk.raw";
    write_file(raw_, *disk_);
  }
  CommandResult trawl(const std::string& args) { return run(cli() + " " + args); }
  // The scan options of both runs: small pages, so that reads cross chunk and segment edges.
  static constexpr const char* scan_args = " -q --page-size 2M --block-size 512 --block-hash sha256,md5";

  TempDir dir;
  fs::path raw_;
  static std::vector<std::byte>* disk_;
};
std::vector<std::byte>* Ewf::disk_ = nullptr;

TEST_F(Ewf, SourceReadsTheRawBytesAtAnyOffsetWithAnyNumberOfDecodeThreads) {
  REQUIRE_EWFACQUIRE();
  auto e01 = acquire(raw_, dir.path(), {"disk", "best", "1MiB", "encase6", 64});
  for (unsigned threads : {1u, 4u}) {
    auto source = detail::EwfSource::open(e01, threads);
    EXPECT_EQ(source->kind(), "e01");
    EXPECT_EQ(source->decode_threads(), threads);
    EXPECT_EQ(source->chunk_size(), 32768u);
    ASSERT_EQ(source->size(), disk_->size());
    EXPECT_GE(source->paths().size(), 4u);  // ~6 MiB in 1 MiB segments (less after compression)
    std::vector<std::byte> whole(disk_->size());
    auto r = source->read_at(whole, 0);
    EXPECT_EQ(r.error, 0);
    ASSERT_EQ(r.bytes, whole.size());
    EXPECT_TRUE(whole == *disk_);
    // Reads at odd offsets and sizes, from several threads at once (carvers read beside the Reader).
    std::vector<std::thread> readers;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t)
      readers.emplace_back([&, t] {
        std::mt19937_64 rng(t);
        for (int i = 0; i < 40; ++i) {
          std::uint64_t offset = rng() % disk_->size();
          std::size_t size = 1 + rng() % (i % 4 == 0 ? (3u << 20) : 70000u);
          std::vector<std::byte> buffer(size);
          auto got = source->read_at(buffer, offset);
          std::size_t expect = std::min<std::uint64_t>(size, disk_->size() - offset);
          if (got.error || got.bytes != expect || std::memcmp(buffer.data(), disk_->data() + offset, expect) != 0) ++wrong;
        }
      });
    for (auto& t : readers) t.join();
    EXPECT_EQ(wrong.load(), 0) << threads << " threads";
    std::vector<std::byte> past(10);
    EXPECT_EQ(source->read_at(past, disk_->size()).bytes, 0u);
  }
}

TEST_F(Ewf, StoredHashesAndAcquisitionMetadataAreExposed) {
  REQUIRE_EWFACQUIRE();
  auto source = open_source(acquire(raw_, dir.path(), {"meta", "fast", "2MiB", "encase6", 64}));
  auto stored = source->stored_hashes();
  auto md5 = run("md5sum " + q(raw_)).out.substr(0, 32);
  auto sha1 = run("sha1sum " + q(raw_)).out.substr(0, 40);
  EXPECT_EQ(stored["md5"], md5);
  EXPECT_EQ(stored["sha1"], sha1);
  auto meta = source->acquisition();
  EXPECT_EQ(meta["case_number"], "CASE-2026-17");
  EXPECT_EQ(meta["examiner_name"], "Ada Examiner");
  EXPECT_EQ(meta["evidence_number"], "EV-3");
  EXPECT_EQ(meta["description"], "seized laptop");
  EXPECT_EQ(meta["notes"], "test acquisition");
  EXPECT_TRUE(std::regex_match(meta["acquiry_date"], std::regex(R"(20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d)"))) << meta["acquiry_date"];
  EXPECT_EQ(meta.count("password"), 0u);
}

// Every stage (image and block hashes, identifiers, carving) gives the same files from the E01
// as from the raw image, whatever the segment size, compression, chunk size and format.
TEST_F(Ewf, EveryStageOutputEqualsTheRawRunAcrossSegmentSizesCompressionAndFormats) {
  REQUIRE_EWFACQUIRE();
  auto a = trawl("scan " + q(raw_) + " -o " + q(dir / "raw-out") + " --force" + scan_args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto expected = outputs(dir / "raw-out", raw_.string());
  ASSERT_TRUE(expected.count("hashes.txt"));
  ASSERT_TRUE(expected.count("blocks.sha256"));
  ASSERT_TRUE(expected.count("features/email.txt"));
  ASSERT_GE(std::count_if(expected.begin(), expected.end(), [](auto& f) { return f.first.starts_with("carved/jpeg/"); }), 1);
  ASSERT_GE(std::count_if(expected.begin(), expected.end(), [](auto& f) { return f.first.starts_with("carved/png/"); }), 1);
  ASSERT_GE(std::count_if(expected.begin(), expected.end(), [](auto& f) { return f.first.starts_with("carved/pe/"); }), 1);

  const std::vector<Acquisition> acquisitions{
      {"best-1m", "best", "1MiB", "encase6", 64},     {"fast-2m", "fast", "2MiB", "encase5", 16},
      {"none-big", "none", "1GiB", "encase6", 128},   {"empty-1m", "empty-block", "1MiB", "linen6", 64},
      {"ftk", "best", "3MiB", "ftk", 256},
  };
  for (const auto& acq : acquisitions) {
    SCOPED_TRACE(acq.name);
    auto e01 = acquire(raw_, dir.path(), acq);
    for (const char* threads : {"1", "3"}) {
      auto out = dir / (acq.name + "-out-" + threads);
      auto b = trawl("scan " + q(e01) + " -o " + q(out) + " --force" + scan_args + " --decode-threads " + threads);
      ASSERT_EQ(b.exit_code, 0) << b.err;
      auto got = outputs(out, e01);
      EXPECT_EQ(got.size(), expected.size());
      for (const auto& [name, text] : expected) {
        auto it = got.find(name);
        ASSERT_NE(it, got.end()) << name;
        EXPECT_TRUE(it->second == text) << name << " differs";
      }
      auto summary = summary_of(out);
      EXPECT_EQ(summary["image"]["kind"], "e01");
      EXPECT_EQ(summary["hashes"], summary_of(dir / "raw-out")["hashes"]);
      EXPECT_EQ(summary["verification"]["md5"]["match"], true);
      for (const auto& [algorithm, check] : summary["verification"].items()) EXPECT_EQ(check["match"], true) << algorithm;
      // EnCase 6 and linen 6 keep a SHA-1 beside the MD5; the older formats (EnCase 5, FTK) the MD5 only.
      if (acq.format == "encase6" || acq.format == "linen6") EXPECT_EQ(summary["verification"]["sha1"]["match"], true);
      EXPECT_EQ(summary["acquisition"]["case_number"], "CASE-2026-17");
      EXPECT_EQ(summary["exit_code"], 0);
    }
  }
}

TEST_F(Ewf, VerifyWithoutExpectChecksTheStoredHashes) {
  REQUIRE_EWFACQUIRE();
  auto e01 = acquire(raw_, dir.path(), {"v", "fast", "1MiB", "encase6", 64});
  auto r = trawl("verify " + q(e01));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("md5     OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sha1    OK"), std::string::npos) << r.out;
  // Only sha256 asked for: md5 and sha1 are computed as well, with a notice, to verify them.
  auto s = trawl("scan " + q(e01) + " -o " + q(dir / "o") + " --force --hash sha256 --carve none --find none --block-hash none");
  EXPECT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.err.find("also computing md5"), std::string::npos) << s.err;
  EXPECT_NE(s.out.find("verified  md5"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("case      CASE-2026-17"), std::string::npos) << s.out;
  // A --range run has no image hashes: nothing to verify, and no mismatch.
  auto part = trawl("scan " + q(e01) + " -o " + q(dir / "part") + " --force --range 0:2M --page-size 1M -q --carve none --find none");
  EXPECT_EQ(part.exit_code, 0) << part.err;
  EXPECT_FALSE(summary_of(dir / "part").contains("verification"));
  EXPECT_EQ(summary_of(dir / "part")["acquisition"]["case_number"], "CASE-2026-17");
  // A raw image stores nothing: --expect is needed.
  auto raw = trawl("verify " + q(raw_));
  EXPECT_EQ(raw.exit_code, 2);
  EXPECT_NE(raw.err.find("stores no hashes"), std::string::npos) << raw.err;
}

// Finds where `needle` lies in a file (the test's random data makes it unique).
std::uint64_t find_in_file(const fs::path& file, std::span<const std::byte> needle) {
  auto bytes = read_bytes(file);
  auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
  EXPECT_NE(it, bytes.end()) << "not found in " << file;
  return static_cast<std::uint64_t>(it - bytes.begin());
}

void overwrite(const fs::path& file, std::uint64_t at, std::span<const std::byte> bytes) {
  std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(at));
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// An uncompressed chunk changed by someone who also fixed its Adler-32: every chunk checks out,
// only the image digest stored at acquisition shows the change.
TEST_F(Ewf, ATamperedSegmentWithValidChunkChecksumsFailsStoredHashVerification) {
  REQUIRE_EWFACQUIRE();
  auto e01 = acquire(raw_, dir.path(), {"t", "none", "1MiB", "encase6", 64});
  // A chunk of the random stretch near the end: in a later segment, and unique.
  const std::uint64_t chunk_offset = (disk_->size() - (1u << 20)) / 32768 * 32768;
  std::vector<std::byte> chunk(disk_->begin() + chunk_offset, disk_->begin() + chunk_offset + 32768);
  fs::path segment;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    if (entry.path().stem() == "t") {
      auto bytes = read_bytes(entry.path());
      if (std::search(bytes.begin(), bytes.end(), chunk.begin(), chunk.begin() + 64) != bytes.end()) segment = entry.path();
    }
  ASSERT_FALSE(segment.empty());
  ASSERT_NE(segment.extension(), ".E01");
  const std::uint64_t at = find_in_file(segment, std::span(chunk).first(64));
  chunk[100] ^= std::byte{0x5a};
  const auto adler = static_cast<std::uint32_t>(adler32(adler32(0, nullptr, 0), reinterpret_cast<const Bytef*>(chunk.data()), 32768));
  std::vector<std::byte> stored_adler;
  put(stored_adler, adler, 4);
  overwrite(segment, at, chunk);
  overwrite(segment, at + 32768, stored_adler);

  auto r = trawl("scan " + q(e01) + " -o " + q(dir / "o") + " --force --carve none --find none --block-hash none");
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.out.find("MISMATCH  md5"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("md5 MISMATCH"), std::string::npos) << r.err;
  auto summary = summary_of(dir / "o");
  EXPECT_TRUE(summary["bad_ranges"].empty());  // no chunk failed its own check
  EXPECT_EQ(summary["verification"]["md5"]["match"], false);
  EXPECT_EQ(summary["verification"]["sha1"]["match"], false);
  EXPECT_EQ(summary["verification"]["md5"]["stored"], run("md5sum " + q(raw_)).out.substr(0, 32));
  EXPECT_EQ(summary["exit_code"], 6);
  EXPECT_EQ(trawl("verify -q " + q(e01)).exit_code, 6);
  // Against an earlier run's hashes of the tampered image they agree, but the stored ones do not.
  auto against = trawl("verify " + q(e01) + " --expect " + q(dir / "o" / "hashes.txt"));
  EXPECT_EQ(against.exit_code, 6);
  EXPECT_NE(against.out.find("MISMATCH  " + summary["hashes"]["md5"].get<std::string>() + "  (stored in the image"), std::string::npos)
      << against.out;
}

// Garbage over a compressed chunk: that chunk becomes a zero-filled bad range, as a bad sector
// does; everything else reads, and the hashes are those of the raw image with the chunk zeroed.
TEST_F(Ewf, ACorruptChunkBecomesAZeroFilledBadRangeNotACrash) {
  REQUIRE_EWFACQUIRE();
  auto e01 = acquire(raw_, dir.path(), {"c", "best", "1MiB", "encase6", 64});
  auto second = dir / "c.E02";
  ASSERT_TRUE(fs::exists(second));
  overwrite(second, fs::file_size(second) / 2, random_bytes(300, 99));

  auto r = trawl("scan " + q(e01) + " -o " + q(dir / "o") + " --force --carve none --find none --block-hash none --hash md5");
  EXPECT_EQ(r.exit_code, 6) << r.err;  // bad ranges (5), and so the stored md5 mismatches (6)
  auto summary = summary_of(dir / "o");
  ASSERT_FALSE(summary["bad_ranges"].empty());
  auto zeroed = *disk_;
  for (const auto& bad : summary["bad_ranges"]) {
    const std::uint64_t offset = bad["offset"], length = bad["length"];
    EXPECT_EQ(offset % 32768, 0u);
    EXPECT_EQ(length % 32768, 0u);
    EXPECT_LE(length, 2u * 32768);  // 300 bytes touch one chunk, or two at an edge
    std::fill(zeroed.begin() + offset, zeroed.begin() + offset + length, std::byte{0});
  }
  write_file(dir / "zeroed.raw", zeroed);
  EXPECT_EQ(summary["hashes"]["md5"], run("md5sum " + q(dir / "zeroed.raw")).out.substr(0, 32));
  EXPECT_EQ(summary["verification"]["md5"]["match"], false);
}

TEST_F(Ewf, IncompleteOrTruncatedSegmentSetsAreRefusedWithOneLine) {
  REQUIRE_EWFACQUIRE();
  auto e01 = acquire(raw_, dir.path(), {"s", "fast", "1MiB", "encase6", 64});
  ASSERT_TRUE(fs::exists(dir / "s.E04"));
  auto expect_refused = [&](const std::string& what, const std::string& message, const fs::path& image) {
    auto r = trawl("scan " + q(image) + " -o " + q(dir / ("o-" + what)) + " --force -q");
    EXPECT_EQ(r.exit_code, 3) << what << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("trawl: ")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << what << ": " << r.err;
  };
  // A segment missing in the middle.
  fs::rename(dir / "s.E02", dir / "away");
  expect_refused("middle", "incomplete E01 set: '" + (dir / "s.E01").string() + "' is not the last segment, but '" +
                               (dir / "s.E02").string() + "' is missing", e01);
  fs::rename(dir / "away", dir / "s.E02");
  // The last segment missing.
  std::vector<fs::path> segments;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    if (entry.path().stem() == "s") segments.push_back(entry.path());
  std::sort(segments.begin(), segments.end());
  fs::rename(segments.back(), dir / "away");
  expect_refused("last", "is not the last segment, but '" + segments.back().string() + "' is missing", e01);
  fs::rename(dir / "away", segments.back());
  // Opened from a later segment.
  expect_refused("later", "'" + (dir / "s.E03").string() + "' is not the first segment of its E01 set", dir / "s.E03");
  // A segment cut short (a copy that did not finish).
  fs::resize_file(dir / "s.E02", fs::file_size(dir / "s.E02") / 2);
  expect_refused("truncated", "truncated E01 segment '" + (dir / "s.E02").string() + "'", e01);
  // Not EWF at all, though named .E01.
  write_file(dir / "fake.E01", random_bytes(4096, 5));
  auto r = trawl("scan " + q(dir / "fake.E01") + " -o " + q(dir / "o-fake") + " --force -q");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("is not an Expert Witness (E01) file"), std::string::npos) << r.err;
}

// Ex01 (EWF2) goes to libewf too (Debian's libewf 20140813 has no EWF2 reader at all): one that
// it cannot read is one line and exit code 3, never a raw scan of the container.
TEST_F(Ewf, AnUnreadableEx01IsRefusedWithOneLine) {
  auto header = std::vector<std::byte>{std::byte{'E'}, std::byte{'V'}, std::byte{'F'}, std::byte{'2'},
                                       std::byte{0x0d}, std::byte{0x0a}, std::byte{0x81}, std::byte{0x00}};
  append(header, random_bytes(8192, 6));
  write_file(dir / "new.Ex01", header);
  auto r = trawl("scan " + q(dir / "new.Ex01") + " -o " + q(dir / "o") + " --force -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(r.err.starts_with("trawl: cannot open E01 image")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace trawl::test
