// The compact block-digest file (`blocks.<algorithm>` in the output folder): a 64-byte header
// followed by the raw digest of every block, in block order, nothing else. Block i covers image
// bytes [i * block_size, min((i + 1) * block_size, image_size)); the last block may be short.
// A 1 TiB image at 4 KiB blocks and SHA-256 makes an 8 GiB file; `trawl blocks` prints it.
//
// Header, little-endian:
//   0  char[8]  magic "TRAWLBLK"
//   8  u32      format version (1)
//   12 u32      algorithm (HashAlgorithm value: 1 md5, 2 sha1, 3 sha256, 6 xxh64)
//   16 u32      digest size in bytes
//   20 u32      block size in bytes
//   24 u64      image size in bytes
//   32 u64      block count
//   40 u64      first block held (0 unless the scan covered a range of the image)
//   48 u64      blocks held when a range (0: all `block count` blocks)
//   56 u8[8]    zero
// A file whose block count is 0 while the image size is not was left by an interrupted run.
// A range's file holds the digests of blocks [first, first + held) only, packed after the
// header; `trawl merge` joins the files of consecutive ranges into the whole image's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>

#include "host/hashing/algorithms.hpp"
#include "host/util/unique_fd.hpp"

namespace trawl::detail {

inline constexpr std::size_t block_file_header_size = 64;

struct BlockFileHeader {
  HashAlgorithm algorithm = HashAlgorithm::sha256;
  std::uint32_t digest_size = 0;
  std::uint32_t block_size = 0;
  std::uint64_t image_size = 0;
  std::uint64_t block_count = 0;   // of the whole image
  std::uint64_t first_block = 0;   // the first block this file holds
  std::uint64_t range_blocks = 0;  // blocks this file holds; 0 = all of them (not a range)
  std::uint64_t held() const { return range_blocks ? range_blocks : block_count; }
};

// Written by many threads at once: each chunk's digests go straight to their final place.
class BlockDigestWriter {
 public:
  // base_block: the first block the file holds (a range's first block; 0 for a whole image).
  BlockDigestWriter(const std::filesystem::path& path, HashAlgorithm algorithm, std::uint32_t block_size,
                    std::uint64_t base_block = 0);
  // Thread-safe: digests of blocks first_block, first_block + 1, ... (absolute block numbers)
  void write(std::uint64_t first_block, std::span<const std::byte> digests);
  // Writes the final header once every block is in; until then the header says "incomplete".
  // range_end: for a range, the offset where its pages ended (0: the whole image).
  void close(std::uint64_t image_size, std::uint64_t range_end = 0);
  std::uint64_t block_count() const { return block_count_; }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
  BlockFileHeader header_;
  std::uint64_t block_count_ = 0;
};

// Reads a block-digest file: `on_header` once, then `visit(index, digest)` for each block it
// holds, in order (absolute block numbers).
BlockFileHeader read_block_file(const std::filesystem::path& path,
                                const std::function<void(std::uint64_t, std::span<const unsigned char>)>& visit,
                                const std::function<void(const BlockFileHeader&)>& on_header = {});

std::uint64_t block_count_for(std::uint64_t image_size, std::uint32_t block_size);

}  // namespace trawl::detail
