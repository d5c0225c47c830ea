#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <xxhash.h>

#include <nlohmann/json.hpp>

#include "host/hashing/block_digest_file.hpp"
#include "host/source/sources.hpp"
#include "host/util/text.hpp"
#include "support/expect_usage.hpp"
#include "support/memory_source.hpp"
#include "support/test_support.hpp"

namespace trawl {
namespace {

using test::MemorySource;
using test::TempDir;

// Independent references: OpenSSL's one-shot EVP_Digest and libxxhash's one-shot functions.
std::string reference_hex(const std::string& algorithm, std::span<const std::byte> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (algorithm == "xxh128") {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(bytes.data(), bytes.size()));
    return detail::to_hex(std::span<const unsigned char>(c.digest, 16));
  }
  if (algorithm == "xxh64") {
    XXH64_canonical_t c;
    XXH64_canonicalFromHash(&c, XXH64(bytes.data(), bytes.size(), 0));
    return detail::to_hex(std::span<const unsigned char>(c.digest, 8));
  }
  const EVP_MD* md = algorithm == "md5" ? EVP_md5() : algorithm == "sha1" ? EVP_sha1() : algorithm == "sha256" ? EVP_sha256() : EVP_sha512();
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, md, nullptr);
  return detail::to_hex(std::span<const unsigned char>(digest, size));
}

std::vector<std::string> block_hexes(const test::fs::path& file) {
  std::vector<std::string> out;
  detail::read_block_file(file, [&](std::uint64_t, std::span<const unsigned char> d) { out.push_back(detail::to_hex(d)); });
  return out;
}

ScanOptions small_options(const TempDir& dir, const std::string& name) {
  ScanOptions o;
  o.page_size = 64 << 10;
  o.margin = 4 << 10;
  o.buffers = 3;
  o.output = dir / name;
  o.backend = BackendKind::cpu;
  return o;
}

TEST(Scan, ImageHashesEqualOneShotDigestsAtEveryPaddingEdge) {
  for (std::size_t size : {0, 1, 55, 56, 63, 64, 65, 511, 512, 4095, 4096, 4097, (1 << 20) + 1}) {
    auto image = test::random_bytes(size, size);
    MemorySource source(image);
    ScanOptions o;
    o.page_size = 4096;
    o.margin = 512;
    o.buffers = 2;
    o.image_hashes = {"md5", "sha1", "sha256", "sha512", "xxh128"};
    o.identifiers.enabled = false;  // its margin must hold a whole identifier
    auto report = scan(source, o);
    ASSERT_EQ(report.image_hashes.size(), 5u);
    for (const auto& d : report.image_hashes) EXPECT_EQ(d.hex, reference_hex(d.algorithm, image)) << d.algorithm << " size " << size;
    EXPECT_EQ(report.image_size, size);
    EXPECT_EQ(report.exit_code(), ExitCode::ok);
  }
}

TEST(Scan, BlockDigestsEqualOneShotDigestsOfEachBlockIncludingTheShortLastOne) {
  TempDir dir;
  auto image = test::random_bytes((1 << 20) + 123, 9);
  MemorySource source(image);
  for (std::uint32_t block_size : {512u, 4096u}) {
    auto o = small_options(dir, "b" + std::to_string(block_size));
    o.block_size = block_size;
    o.block_hashes = {"md5", "sha1", "sha256", "xxh64"};
    o.image_hashes = {};
    auto report = scan(source, o);
    ASSERT_EQ(report.block_hashes.size(), 4u);
    for (const auto& b : report.block_hashes) {
      auto got = block_hexes(b.file);
      ASSERT_EQ(got.size(), (image.size() + block_size - 1) / block_size);
      ASSERT_EQ(b.blocks, got.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        auto block = std::span(image).subspan(i * block_size, std::min<std::size_t>(block_size, image.size() - i * block_size));
        ASSERT_EQ(got[i], reference_hex(b.algorithm, block)) << b.algorithm << " block " << i;
      }
    }
  }
}

// The output must not depend on chunk size, margin, buffer count or threads.
TEST(Scan, OutputsAreIdenticalForEveryChunkGeometry) {
  TempDir dir;
  auto image = test::random_bytes(3 * (1 << 20) + 4097, 11);
  MemorySource source(image);
  struct Geometry {
    std::size_t page, margin, buffers;
    unsigned threads;
  };
  // The first is the smallest legal one: one block per page, no margin, two buffers.
  std::vector<Geometry> geometries{{4096, 0, 2, 1}, {4096, 4096, 2, 2}, {12288, 512, 3, 2},
                                   {65536, 4096, 4, 3}, {1 << 20, 64 << 10, 6, 2}, {16 << 20, 1 << 20, 6, 0}};
  std::string reference_blocks;
  std::vector<ImageDigest> reference_hashes;
  for (std::size_t i = 0; i < geometries.size(); ++i) {
    auto g = geometries[i];
    auto o = small_options(dir, "g" + std::to_string(i));
    o.page_size = g.page;
    o.margin = g.margin;
    o.buffers = g.buffers;
    o.threads = g.threads;
    o.image_hashes = {"md5", "sha256", "xxh128"};
    o.block_hashes = {"sha256", "xxh64"};
    o.identifiers.enabled = false;  // checked at legal margins in test_identifiers.cpp
    auto report = scan(source, o);
    std::string blocks = test::read_text(o.output / "blocks.sha256") + test::read_text(o.output / "blocks.xxh64");
    if (i == 0) {
      reference_blocks = blocks;
      reference_hashes = report.image_hashes;
      continue;
    }
    EXPECT_EQ(blocks, reference_blocks) << "page " << g.page << " margin " << g.margin;
    ASSERT_EQ(report.image_hashes.size(), reference_hashes.size());
    for (std::size_t k = 0; k < reference_hashes.size(); ++k) EXPECT_EQ(report.image_hashes[k].hex, reference_hashes[k].hex);
  }
}

TEST(Scan, AStreamGivesTheSameOutputsAsTheFile) {
  TempDir dir;
  auto image = test::random_bytes(300000, 12);
  MemorySource file(image), stream(image, true);
  auto a = scan(file, small_options(dir, "file"));
  auto b = scan(stream, small_options(dir, "stream"));
  EXPECT_EQ(a.image_hashes[2].hex, b.image_hashes[2].hex);
  EXPECT_EQ(b.image_size, image.size());
  EXPECT_EQ(test::read_text(dir / "file" / "blocks.sha256"), test::read_text(dir / "stream" / "blocks.sha256"));
}

TEST(Scan, UnreadableSectorsAreZeroFilledRecordedAndGiveTheReadErrorExitCode) {
  TempDir dir;
  auto image = test::random_bytes(256 << 10, 13);
  std::vector<ByteRange> faults{{5000, 10}, {70000, 2000}};
  detail::FaultySource source(std::make_unique<MemorySource>(image), faults, 512);
  auto o = small_options(dir, "bad");
  o.block_hashes = {"sha256"};
  auto report = scan(source, o);
  std::vector<ByteRange> want{{4608, 512}, {69632, 2560}};
  EXPECT_EQ(report.bad_ranges, want);
  EXPECT_EQ(report.exit_code(), ExitCode::read_errors);
  EXPECT_EQ(report.bytes_read, image.size() - 512 - 2560);
  auto zeroed = image;
  for (const auto& b : want) std::memset(zeroed.data() + b.offset, 0, b.length);
  auto blocks = block_hexes(o.output / "blocks.sha256");
  for (std::size_t i = 0; i < blocks.size(); ++i)
    EXPECT_EQ(blocks[i], reference_hex("sha256", std::span(zeroed).subspan(i * 4096, 4096))) << i;
  EXPECT_EQ(report.image_hashes[0].hex, reference_hex("md5", zeroed));
  auto summary = nlohmann::json::parse(test::read_text(o.output / "summary.json"));
  EXPECT_EQ(summary["exit_code"], 5);
  ASSERT_EQ(summary["bad_ranges"].size(), 2u);
  EXPECT_EQ(summary["bad_ranges"][1]["offset"], 69632);
  EXPECT_EQ(summary["bad_ranges"][1]["length"], 2560);
}

TEST(Scan, SummaryRecordsTheBackendThatRanAndTheSchema) {
  TempDir dir;
  MemorySource source(test::random_bytes(5000, 14));
  auto report = scan(source, small_options(dir, "s"));
  auto summary = nlohmann::json::parse(test::read_text(dir / "s" / "summary.json"));
  EXPECT_EQ(report.backend, BackendKind::cpu);
  EXPECT_EQ(summary["backend"]["name"], "cpu");
  EXPECT_EQ(summary["schema"], "trawl-summary");
  EXPECT_EQ(summary["schema_version"], 1);
  EXPECT_EQ(summary["image"]["size"], 5000);
  EXPECT_EQ(summary["tool"]["version"], std::string(version()));
  for (auto key : {"read", "hash.md5", "hash.sha1", "hash.sha256", "blocks"}) EXPECT_TRUE(summary["timings"]["stages_busy_s"].contains(key)) << key;
}

// A stop token belongs to the scans that hold it: one asked to stop before its scan began stops
// that scan at its first chunk (a new Engine does not reset it), while the next scan of the same
// engine, with a fresh token, reads to the end. Copies of a token share one request.
TEST(Scan, AStopTokenStopsOnlyTheScansThatHoldIt) {
  TempDir dir;
  const std::uint64_t size = 1 << 20;  // 16 pages of 64 KiB; the reader runs at most 3 ahead
  MemorySource source(test::random_bytes(size, 17));
  const Engine engine(small_options(dir, "unused"));
  StopToken stopped;
  const StopToken copy = stopped;
  copy.request_stop();
  EXPECT_TRUE(stopped.stop_requested());
  const Engine another(small_options(dir, "unused"));
  const auto a = engine.scan(source, ImageJob{dir / "a", {}, {}, {}, stopped});
  const StopToken fresh;
  const auto b = engine.scan(source, ImageJob{dir / "b", {}, {}, {}, fresh});
  EXPECT_TRUE(a.interrupted);
  EXPECT_LT(a.bytes_read, size);
  EXPECT_EQ(a.exit_code(), ExitCode::interrupted);
  EXPECT_FALSE(b.interrupted);
  EXPECT_EQ(b.bytes_read, size);
  EXPECT_FALSE(fresh.stop_requested());
  EXPECT_EQ(nlohmann::json::parse(test::read_text(dir / "a" / "summary.json"))["interrupted"], true);
}

TEST(Scan, BadOptionsAreUsageErrors) {
  MemorySource source(test::random_bytes(100, 15));
  const ScanOptions defaults;
  auto expect_usage = [&](auto change) { test::expect_usage_error(source, defaults, change); };
  expect_usage([](ScanOptions& o) { o.block_size = 1000; });
  expect_usage([](ScanOptions& o) { o.block_size = 256; });
  expect_usage([](ScanOptions& o) { o.page_size = 6000; });
  expect_usage([](ScanOptions& o) { o.margin = o.page_size + 1; });
  expect_usage([](ScanOptions& o) { o.buffers = 1; });
  expect_usage([](ScanOptions& o) { o.image_hashes = {"crc32"}; });
  expect_usage([](ScanOptions& o) { o.block_hashes = {"sha512"}; });
  // The message names the options by their fields, not by a command line's flags.
  ScanOptions both = defaults;
  both.margin = both.page_size + 1;
  try {
    scan(source, both);
    FAIL() << "a margin larger than the page was taken";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "ScanOptions::margin must not exceed ScanOptions::page_size");
  }
}

TEST(Scan, OutputFolderThatIsNotEmptyIsRefusedUnlessForced) {
  TempDir dir;
  MemorySource source(test::random_bytes(100, 16));
  auto o = small_options(dir, "out");
  test::fs::create_directories(o.output);
  test::write_file(o.output / "keep.txt", test::random_bytes(3, 1));
  try {
    scan(source, o);
    FAIL() << "wrote into a non-empty folder";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::output);
  }
  o.force = true;
  EXPECT_NO_THROW(scan(source, o));
  EXPECT_TRUE(test::fs::exists(o.output / "keep.txt"));
}

TEST(Scan, JsonLinesAreWholeObjectsEndingWithTheSummary) {
  struct Collect : Observer {
    std::vector<std::string> lines;
    void on_record(std::string_view line) override { lines.emplace_back(line); }
  } collect;
  MemorySource source(test::random_bytes(10000, 17));
  ScanOptions o;
  scan(source, o, &collect);
  ASSERT_GE(collect.lines.size(), 5u);
  for (const auto& line : collect.lines) {
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
  EXPECT_EQ(nlohmann::json::parse(collect.lines.front())["record"], "image");
  EXPECT_EQ(nlohmann::json::parse(collect.lines[1])["record"], "image_hash");
  EXPECT_EQ(nlohmann::json::parse(collect.lines.back())["record"], "summary");
}

}  // namespace
}  // namespace trawl
