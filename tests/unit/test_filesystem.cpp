// FileSystemMap: The Sleuth Kit reading through a trawl Source (here in memory), the extent map's
// lookups at every extent edge checked against TSK's own ifind, and images TSK cannot make
// sense of (random bytes, a file system cut in half, nothing at all).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "host/filesystem/file_system_map.hpp"
#include "host/modules/file_hash_stage.hpp"
#include "support/digest.hpp"
#include "support/memory_source.hpp"
#include "support/test_support.hpp"

namespace trawl::test {
namespace {

using detail::FileSystemMap;

std::vector<std::byte> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

class FileSystemMapTest : public ::testing::Test {
 protected:
  TempDir dir;
  // An ext4 image (1 KiB blocks) of a few files, one of them spread over many blocks.
  fs::path make_ext4() {
    fs::create_directories(dir / "root" / "sub");
    write_file(dir / "root" / "small.bin", random_bytes(700, 1));
    write_file(dir / "root" / "sub" / "large.bin", random_bytes(150000, 2));
    write_file(dir / "root" / "sub" / "two-blocks.bin", random_bytes(1025, 3));
    const auto image = dir / "ext4.img";
    auto r = run("truncate -s 4M " + shell_quote(image.string()) + " && mkfs.ext4 -q -F -b 1024 -d " +
                 shell_quote((dir / "root").string()) + " " + shell_quote(image.string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return image;
  }
};

TEST_F(FileSystemMapTest, EveryExtentEdgeLooksUpToTheInodeIfindNames) {
  const auto image = make_ext4();
  MemorySource source(read_bytes(image));
  const auto map = FileSystemMap::build(source);
  ASSERT_EQ(map->filesystems().size(), 1u);
  EXPECT_EQ(map->filesystems()[0].block_size, 1024u);
  int checked = 0;
  for (std::uint32_t i = 0; i < map->files().size(); ++i) {
    const auto& f = map->files()[i];
    if (!f.regular) continue;
    std::uint64_t covered = 0;
    for (const auto& e : f.extents) {
      covered += e.length;
      // TSK's ifind, run on the image file, names the owner of the extent's first block.
      auto owner = run("ifind -d " + std::to_string(e.image_offset / 1024) + " " + shell_quote(image.string()));
      EXPECT_EQ(owner.out, std::to_string(f.inode) + "\n") << f.path;
      for (std::uint64_t at : {e.image_offset, e.image_offset + e.length - 1}) {
        const auto c = map->lookup(at);
        ASSERT_TRUE(c) << f.path;
        EXPECT_EQ(c->path, f.path);
        EXPECT_EQ(c->inode, f.inode);
        EXPECT_EQ(c->state, "allocated");
        EXPECT_EQ(c->offset, e.file_offset + (at - e.image_offset));
        EXPECT_TRUE(map->in_allocated_file(at));
      }
      // The byte before an extent belongs to some other owner (or to the previous extent of this file).
      if (const auto before = map->lookup(e.image_offset - 1); before && before->path == f.path)
        EXPECT_EQ(before->offset, e.file_offset - 1);
      ++checked;
    }
    EXPECT_EQ(covered, f.size) << f.path;  // clipped to the size: no slack in the hashing extents
    EXPECT_TRUE(f.streamable) << f.path;
  }
  EXPECT_GE(checked, 3);
  // The slack of two-blocks.bin's last block still names the file, at an offset past its size.
  for (const auto& f : map->files())
    if (f.path == "/sub/two-blocks.bin") {
      const auto& last = f.extents.back();
      const auto slack = map->lookup(last.image_offset + last.length);
      ASSERT_TRUE(slack);
      EXPECT_EQ(slack->path, "/sub/two-blocks.bin");
      EXPECT_EQ(slack->offset, 1025u);
    }
  // Past the end of the file system: outside every file system.
  EXPECT_FALSE(map->lookup(4u << 20));
  // The superblock (offset 1024) is the file system's own: allocated to no named file.
  const auto super = map->lookup(1024);
  ASSERT_TRUE(super);
  EXPECT_EQ(super->path, "$Metadata");
  EXPECT_FALSE(super->offset);
  EXPECT_FALSE(map->in_allocated_file(1024));
}

TEST_F(FileSystemMapTest, ReadThroughTskEqualsTheFileThatWentIn) {
  const auto image = make_ext4();
  MemorySource source(read_bytes(image));
  const auto map = FileSystemMap::build(source);
  bool found = false;
  for (std::uint32_t i = 0; i < map->files().size(); ++i) {
    if (map->files()[i].path != "/sub/large.bin") continue;
    found = true;
    std::vector<std::byte> got;
    ASSERT_TRUE(map->read_file(i, [&](std::span<const std::byte> bytes) { got.insert(got.end(), bytes.begin(), bytes.end()); }));
    EXPECT_EQ(got, random_bytes(150000, 2));
  }
  EXPECT_TRUE(found);
}

TEST_F(FileSystemMapTest, NoFileSystemTruncatedOrEmptyImagesGiveWhatTskCanSee) {
  MemorySource noise(random_bytes(1 << 20, 9));
  EXPECT_TRUE(FileSystemMap::build(noise)->empty());
  EXPECT_FALSE(FileSystemMap::build(noise)->lookup(4096));
  MemorySource nothing({});
  EXPECT_TRUE(FileSystemMap::build(nothing)->empty());
  // An ext4 image cut after its first megabyte: whatever TSK still reads, no crash and no throw.
  auto bytes = read_bytes(make_ext4());
  bytes.resize(1 << 20);
  MemorySource cut(std::move(bytes));
  const auto map = FileSystemMap::build(cut);
  for (const auto& f : map->files())
    for (const auto& e : f.extents) EXPECT_TRUE(map->lookup(e.image_offset)) << f.path;
}

// Found by tests/fuzz/fuzz_filesystem: an ext2 inode whose size says 4 GiB (its block pointers
// all zero) made TSK build its run list block by block, 36 s for one 64 KiB image. A file that
// claims more blocks than its file system has is listed, neither mapped nor hashed, and the
// other files are as before.
TEST_F(FileSystemMapTest, AnInodeLargerThanItsFileSystemIsNotLoaded) {
  fs::create_directories(dir / "tree");
  write_file(dir / "tree" / "big.txt", random_bytes(3000, 4));
  write_file(dir / "tree" / "ok.txt", random_bytes(2000, 5));
  const auto image = dir / "ext2.img";
  auto r = run("truncate -s 256K " + shell_quote(image.string()) + " && mke2fs -q -t ext2 -b 1024 -N 16 -d " +
               shell_quote((dir / "tree").string()) + " " + shell_quote(image.string()) +
               " && debugfs -w -R 'sif /big.txt size 4294967295' " + shell_quote(image.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  MemorySource source(read_bytes(image));
  const auto map = FileSystemMap::build(source);
  ASSERT_EQ(map->filesystems().size(), 1u);
  std::optional<std::uint32_t> big, ok;
  for (std::uint32_t i = 0; i < map->files().size(); ++i) {
    if (map->files()[i].path == "/big.txt") big = i;
    if (map->files()[i].path == "/ok.txt") ok = i;
  }
  ASSERT_TRUE(big && ok);
  const auto& b = map->files()[*big];
  EXPECT_TRUE(b.oversized);
  EXPECT_EQ(b.size, 4294967295u);
  EXPECT_TRUE(b.extents.empty());
  EXPECT_FALSE(b.streamable);
  const auto& o = map->files()[*ok];
  EXPECT_FALSE(o.oversized);
  ASSERT_FALSE(o.extents.empty());
  EXPECT_EQ(map->lookup(o.extents[0].image_offset)->path, "/ok.txt");

  // The file hashes: ok.txt from the chunks, big.txt not at all (not read through TSK either).
  detail::FileHashStage stage(*map, detail::HashAlgorithm::sha256);
  const auto& bytes = source.bytes();
  for (std::uint64_t offset = 0, index = 0; offset < bytes.size(); offset += 65536, ++index) {
    detail::Chunk chunk;
    chunk.index = index;
    chunk.offset = offset;
    chunk.page_len = chunk.data_len = std::min<std::size_t>(65536, bytes.size() - offset);
    chunk.bytes = bytes.data() + offset;
    stage.consume(chunk);
  }
  const auto hashed = stage.finish();
  ASSERT_EQ(std::count_if(hashed.begin(), hashed.end(), [&](const auto& h) { return h.file == *ok; }), 1);
  EXPECT_EQ(std::count_if(hashed.begin(), hashed.end(), [&](const auto& h) { return h.file == *big; }), 0);
  for (const auto& h : hashed) {
    if (h.file == *ok) {
      EXPECT_EQ(h.sha256, sha256_hex(random_bytes(2000, 5)));
    }
  }
}

// The same when the superblock claims far more blocks than the image holds (found by the fuzzer
// too: 128 GiB claimed, 8 KiB of image, an inode of 4 GiB "inside" it). Here a real ext2 cut to
// its first 128 KiB: the 300 KiB file cannot be in the image, and is not loaded.
TEST_F(FileSystemMapTest, AnInodeLargerThanTheImageOfItsFileSystemIsNotLoaded) {
  fs::create_directories(dir / "tree");
  write_file(dir / "tree" / "long.bin", random_bytes(300 * 1024, 6));
  write_file(dir / "tree" / "short.txt", random_bytes(500, 7));
  const auto image = dir / "ext2.img";
  auto r = run("truncate -s 1M " + shell_quote(image.string()) + " && mke2fs -q -t ext2 -b 1024 -N 16 -d " +
               shell_quote((dir / "tree").string()) + " " + shell_quote(image.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bytes = read_bytes(image);
  bytes.resize(128 * 1024);
  MemorySource source(std::move(bytes));
  const auto map = FileSystemMap::build(source);
  ASSERT_EQ(map->filesystems().size(), 1u);
  int seen = 0;
  for (const auto& f : map->files()) {
    if (f.path == "/long.bin") {
      ++seen;
      EXPECT_TRUE(f.oversized);
      EXPECT_TRUE(f.extents.empty());
    }
    if (f.path == "/short.txt") {
      ++seen;
      EXPECT_FALSE(f.oversized);
    }
  }
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace trawl::test
