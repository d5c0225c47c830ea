#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>

#include "host/source/sources.hpp"
#include "support/test_support.hpp"

namespace trawl {
namespace {

using test::TempDir;

std::vector<std::byte> read_whole(const Source& source) {
  std::vector<std::byte> out(*source.size());
  auto r = source.read_at(out, 0);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.bytes, out.size());
  return out;
}

// Writes image as NAME.001, NAME.002, ... of `segment` bytes each (the last may be shorter).
std::vector<test::fs::path> write_split(const TempDir& dir, const std::vector<std::byte>& image, std::size_t segment) {
  std::vector<test::fs::path> paths;
  for (std::size_t at = 0, n = 1; at < image.size() || n == 1; at += segment, ++n) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, ".%03zu", n);
    paths.push_back(dir / (std::string("image") + suffix));
    test::write_file(paths.back(), std::span(image).subspan(at, std::min(segment, image.size() - at)));
    if (image.empty()) break;
  }
  return paths;
}

TEST(Sources, RawFileReadsBackItsBytesAndStopsAtTheEnd) {
  TempDir dir;
  auto image = test::random_bytes(10000, 1);
  test::write_file(dir / "disk.raw", image);
  auto source = open_source((dir / "disk.raw").string());
  EXPECT_EQ(source->kind(), "raw");
  EXPECT_TRUE(source->random_access());
  EXPECT_EQ(read_whole(*source), image);
  std::vector<std::byte> tail(100);
  EXPECT_EQ(source->read_at(tail, 9950).bytes, 50u);
  EXPECT_EQ(source->read_at(tail, 20000).bytes, 0u);
}

TEST(Sources, SplitSetReadsAsItsConcatenationAcrossSegmentEdges) {
  TempDir dir;
  auto image = test::random_bytes(3 * 4096 + 100, 2);
  auto paths = write_split(dir, image, 4096);
  auto source = open_source(paths[0].string());
  EXPECT_EQ(source->kind(), "split");
  EXPECT_EQ(source->paths().size(), 4u);
  EXPECT_EQ(read_whole(*source), image);
  std::vector<std::byte> across(200);
  ASSERT_EQ(source->read_at(across, 4096 - 100).bytes, 200u);
  EXPECT_EQ(0, std::memcmp(across.data(), image.data() + 4096 - 100, 200));
}

TEST(Sources, SplitSetWithAMissingMiddleSegmentIsRefused) {
  TempDir dir;
  auto paths = write_split(dir, test::random_bytes(4 * 4096, 3), 4096);
  test::fs::remove(paths[1]);
  try {
    open_source(paths[0].string());
    FAIL() << "a gap in the split set was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("image.002"), std::string::npos) << e.what();
  }
}

TEST(Sources, SplitSetWithAShortMiddleSegmentIsRefused) {
  TempDir dir;
  auto paths = write_split(dir, test::random_bytes(4 * 4096, 4), 4096);
  test::fs::resize_file(paths[1], 1000);
  try {
    open_source(paths[0].string());
    FAIL() << "a truncated segment was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("truncated split set"), std::string::npos) << e.what();
  }
}

TEST(Sources, MissingFileAndDirectoryAreInputErrors) {
  TempDir dir;
  for (auto path : {(dir / "nope.raw").string(), dir.path().string(), std::string()}) {
    try {
      open_source(path);
      FAIL() << path;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::input) << e.what();
    }
  }
}

TEST(Sources, EmptyFileIsAValidImage) {
  TempDir dir;
  test::write_file(dir / "empty.raw", {});
  auto source = open_source((dir / "empty.raw").string());
  EXPECT_EQ(source->size(), 0u);
}

TEST(Sources, DashIsStdinAndSequential) {
  auto source = open_source("-");
  EXPECT_EQ(source->kind(), "stdin");
  EXPECT_FALSE(source->random_access());
  EXPECT_FALSE(source->size().has_value());
}

TEST(Sources, EvidenceIsOpenedReadOnly) {
  TempDir dir;
  test::write_file(dir / "ro.raw", test::random_bytes(4096, 5));
  ::chmod((dir / "ro.raw").c_str(), 0444);
  EXPECT_NO_THROW(open_source((dir / "ro.raw").string()));
}

TEST(Sources, FaultySourceFailsFromTheFirstBadSector) {
  auto image = test::random_bytes(8192, 6);
  TempDir dir;
  test::write_file(dir / "f.raw", image);
  detail::FaultySource source(open_source((dir / "f.raw").string()), {{1030, 4}}, 512);
  std::vector<std::byte> buffer(8192);
  auto r = source.read_at(buffer, 0);
  EXPECT_EQ(r.error, EIO);
  EXPECT_EQ(r.bytes, 1024u);  // everything before the sector that holds byte 1030
  EXPECT_EQ(source.read_at(std::span(buffer).first(512), 1536).error, 0);
}

}  // namespace
}  // namespace trawl
