// The block-hash database (`trawl hashdb build`, a `.tdb` file): the digest of every whole,
// aligned block of every known file, which file it came from and at which block index, and
// which blocks prove nothing.
//
// File layout (little-endian; every section starts at a multiple of 8, padded with zeros):
//   BlockDbHeader
//   digests       digest_count × digest_size bytes, sorted (memcmp order), unique
//   flags         digest_count × u8: BlockFlag bits
//   posting_start (digest_count + 1) × u64: digest d occurs at postings [start[d], start[d+1])
//   postings      block_count × BlockPosting, by digest, then file, then block
//   files         file_count × KnownFileEntry, by name
//   file_blocks   block_count × u32: the digest index of each block of each file, file by file
//   strings       strings_size bytes: file names, not terminated
// The sizes follow from the header's counts; open() checks the file against them and every index
// against its range, so a corrupt or truncated database is one input error, never a crash.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/hashing/algorithms.hpp"
#include "host/known/mapped_file.hpp"

namespace trawl::detail {

// Why a block proves nothing about which file it came from. Any bit set: non-probative.
enum BlockFlag : std::uint8_t {
  block_low_entropy = 1,  // all zeros, one repeated byte, a short pattern, ...: below min_entropy
  block_common = 2,       // found in more than max_files files of the database
};

struct BlockDbHeader {
  char magic[8];  // "TRAWLKDB"
  std::uint32_t version;
  std::uint32_t algorithm;    // HashAlgorithm
  std::uint32_t block_size;   // power of two >= 512
  std::uint32_t digest_size;  // of the algorithm
  std::uint64_t digest_count;
  std::uint64_t block_count;  // blocks of all files together (== postings)
  std::uint64_t file_count;
  std::uint64_t strings_size;
  std::uint32_t max_files;          // build option: more files than this sharing a block make it common
  std::uint32_t min_entropy_milli;  // build option: bits per byte × 1000 under which a block is low-entropy
  std::uint64_t total_size;         // of the whole database file
  std::uint64_t reserved[4];
};
static_assert(sizeof(BlockDbHeader) == 104);

struct BlockPosting {
  std::uint32_t file;   // index into files
  std::uint32_t block;  // block index within that file
};

struct KnownFileEntry {
  std::uint64_t size;         // bytes
  std::uint64_t first_block;  // index of its block 0 in file_blocks
  std::uint32_t blocks;       // whole blocks (size / block_size; a short tail is not hashed)
  std::uint32_t probative;    // of those, the blocks that are not flagged
  std::uint64_t name_offset;  // in strings
  std::uint32_t name_size;
  std::uint32_t reserved;
  unsigned char sha256[32];   // of the whole file
};
static_assert(sizeof(KnownFileEntry) == 72);

struct BlockDbBuildOptions {
  HashAlgorithm algorithm = HashAlgorithm::sha256;  // md5, sha1 or sha256
  std::uint32_t block_size = 4096;
  std::uint32_t max_files = 8;   // a block in more files than this is common, not probative
  double min_entropy = 3.0;      // Shannon entropy of the block's bytes, bits per byte
};

struct BlockDbBuildReport {
  std::uint64_t files = 0, blocks = 0, digests = 0, low_entropy = 0, common = 0;
  std::uint64_t skipped_small = 0;  // files shorter than one block: nothing to hash
};

// Shannon entropy of the bytes' histogram, in bits per byte (0 for one repeated byte, 8 at most).
double byte_entropy(std::span<const std::byte> bytes);

// Hashes every whole block of every regular file under `inputs` (files, or folders walked
// recursively; names are stored as given/found, sorted) and writes the database to `output`
// atomically. Throws Error(options) for bad options, Error(input) for an unreadable input,
// Error(output) when the database cannot be written.
BlockDbBuildReport build_block_db(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& output,
                                  const BlockDbBuildOptions& options);

// A database opened read-only (mmap). Immutable: any thread may read it.
class BlockDb {
 public:
  // Throws Error(input) with one line when the file is missing, not a database, or damaged.
  explicit BlockDb(const std::filesystem::path& path);

  HashAlgorithm algorithm() const { return static_cast<HashAlgorithm>(header_->algorithm); }
  std::uint32_t block_size() const { return header_->block_size; }
  std::uint32_t digest_size() const { return header_->digest_size; }
  std::uint64_t digest_count() const { return header_->digest_count; }
  const BlockDbHeader& header() const { return *header_; }
  // The sorted digests, digest_count() × digest_size() bytes: the table the lookup searches.
  std::span<const std::byte> digests() const { return digests_; }
  std::uint8_t flags(std::uint64_t digest) const { return flags_[digest]; }
  bool probative(std::uint64_t digest) const { return flags_[digest] == 0; }
  std::span<const BlockPosting> postings(std::uint64_t digest) const {
    return postings_.subspan(posting_start_[digest], posting_start_[digest + 1] - posting_start_[digest]);
  }
  std::span<const KnownFileEntry> files() const { return files_; }
  std::string_view file_name(const KnownFileEntry& f) const { return strings_.substr(f.name_offset, f.name_size); }
  // Digest index of block b of file f.
  std::uint32_t file_block(const KnownFileEntry& f, std::uint32_t b) const { return file_blocks_[f.first_block + b]; }
  // Index of the digest in digests(), or -1.
  std::int64_t find(std::span<const unsigned char> digest) const;

 private:
  MappedFile map_;
  const BlockDbHeader* header_ = nullptr;
  std::span<const std::byte> digests_;
  std::span<const std::uint8_t> flags_;
  std::span<const std::uint64_t> posting_start_;
  std::span<const BlockPosting> postings_;
  std::span<const KnownFileEntry> files_;
  std::span<const std::uint32_t> file_blocks_;
  std::string_view strings_;
};

}  // namespace trawl::detail
