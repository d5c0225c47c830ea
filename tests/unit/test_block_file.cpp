#include <gtest/gtest.h>

#include <fstream>

#include "host/hashing/block_digest_file.hpp"
#include "trawl/trawl.hpp"
#include "support/test_support.hpp"

namespace trawl::detail {
namespace {

TEST(BlockDigestFile, WritesInAnyOrderAndReadsBackInBlockOrder) {
  test::TempDir dir;
  auto path = dir / "blocks.md5";
  BlockDigestWriter writer(path, HashAlgorithm::md5, 512);
  auto digests = test::random_bytes(16 * 5, 1);
  writer.write(3, std::span(digests).subspan(48, 32));
  writer.write(0, std::span(digests).first(48));
  writer.close(4 * 512 + 1);  // five blocks, the last one byte long
  std::vector<std::byte> back;
  auto header = read_block_file(path, [&](std::uint64_t i, std::span<const unsigned char> d) {
    EXPECT_EQ(i, back.size() / 16);
    for (auto b : d) back.push_back(static_cast<std::byte>(b));
  });
  EXPECT_EQ(header.block_count, 5u);
  EXPECT_EQ(header.image_size, 4u * 512 + 1);
  EXPECT_EQ(back, digests);
  EXPECT_EQ(test::fs::file_size(path), block_file_header_size + 5 * 16);
}

TEST(BlockDigestFile, AnUnfinishedFileIsRefusedNotMisread) {
  test::TempDir dir;
  auto path = dir / "blocks.sha256";
  {
    BlockDigestWriter writer(path, HashAlgorithm::sha256, 4096);
    writer.write(0, test::random_bytes(64, 2));
  }  // never closed: the run was killed
  EXPECT_EQ(read_block_file(path, [](auto, auto) { FAIL(); }).block_count, 0u);
  test::write_file(dir / "junk", test::random_bytes(100, 3));
  EXPECT_THROW(read_block_file(dir / "junk", [](auto, auto) {}), trawl::Error);
}

// Found by fuzz_block_file (its input is kept in tests/fuzz/corpus/block_file/): an unknown
// algorithm id in a header was an internal error (exit 1), not bad input (exit 3).
TEST(BlockDigestFile, UnknownAlgorithmIdIsAnInputError) {
  test::TempDir dir;
  auto path = dir / "blocks.md5";
  BlockDigestWriter writer(path, HashAlgorithm::md5, 512);
  writer.write(0, test::random_bytes(16, 4));
  writer.close(512);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(12);
    file.write("\x06\x00\x00\x50", 4);  // algorithm 0x50000006
  }
  try {
    read_block_file(path, [](auto, auto) {});
    FAIL() << "accepted an unknown algorithm";
  } catch (const trawl::Error& e) {
    EXPECT_EQ(e.kind(), trawl::ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("unknown digest algorithm"), std::string::npos) << e.what();
  }
}

TEST(BlockDigestFile, BlockCountDoesNotWrapNearTheTopOfTheRange) {
  EXPECT_EQ(block_count_for(~std::uint64_t{0}, 512), (~std::uint64_t{0}) / 512 + 1);
  EXPECT_EQ(block_count_for(1024, 512), 2u);
  EXPECT_EQ(block_count_for(1025, 512), 3u);
  EXPECT_EQ(block_count_for(0, 512), 0u);
}

}  // namespace
}  // namespace trawl::detail
