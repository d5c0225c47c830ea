// Whole-file hash sets (`trawl hashset import`, a `.ths` file): MD5, SHA-1 and SHA-256 digests of
// known files, each with the set it came from (a name and a label: known-good, known-bad, custom)
// and the file's name, imported from NSRL RDSv3 (SQLite), NSRL RDS 2.x (NSRLFile.txt), hashdeep
// lists and *sum lists.
//
// File layout (little-endian; every section starts at a multiple of 8):
//   HashSetHeader
//   sets        set_count × HashSetEntry
//   md5, sha1, sha256 tables: count × record, sorted by digest then set; a record is the digest,
//               then u32 set, u32 name_size, u64 name_offset, padded to a multiple of 8 bytes
//   strings     set names and file names
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/hashing/algorithms.hpp"
#include "host/known/mapped_file.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

enum class HashSetLabel : std::uint32_t { known_good = 0, known_bad = 1, custom = 2 };
std::string_view label_name(HashSetLabel label);
// "known-good", "known-bad", "custom"; throws Error(options) otherwise.
HashSetLabel parse_label(std::string_view text);

// One input of an import: its rows all go to the set `name` with `label`.
struct HashSetInput {
  std::filesystem::path file;
  std::string format = "auto";  // auto | rds3 | rds2 | hashdeep | sum
  std::string name;             // the set's name; empty: the file's name without extension
  HashSetLabel label = HashSetLabel::known_good;
};

struct HashSetImportReport {
  std::uint64_t rows = 0;                        // files read from the inputs
  std::uint64_t md5 = 0, sha1 = 0, sha256 = 0;   // unique (digest, set) entries stored
  std::vector<std::string> formats;              // the format each input was read as
};

// Reads every input and writes one store to `output` atomically. Throws Error(input) for an
// input that cannot be read or holds no hash, Error(options) for a bad format name, Error(output).
HashSetImportReport import_hash_sets(const std::vector<HashSetInput>& inputs, const std::filesystem::path& output);

struct HashSetHeader {
  char magic[8];  // "TRAWLHSS"
  std::uint32_t version;
  std::uint32_t set_count;
  std::uint64_t counts[3];  // md5, sha1, sha256 records
  std::uint64_t strings_size;
  std::uint64_t total_size;
  std::uint64_t reserved[2];
};
static_assert(sizeof(HashSetHeader) == 72);

struct HashSetEntry {
  std::uint64_t name_offset;
  std::uint32_t name_size;
  std::uint32_t label;  // HashSetLabel
};

// One match of a digest: the set it belongs to and the known file's name.
struct HashSetHit {
  std::string set;
  HashSetLabel label;
  std::string name;
};

// A store opened read-only (mmap). Immutable: any thread may look up.
class HashSet {
 public:
  // Throws Error(input) with one line when the file is missing, not a hash set, or damaged.
  explicit HashSet(const std::filesystem::path& path);
  // Every set holding this digest (md5, sha1 or sha256, by its length), in set order.
  std::vector<HashSetHit> find(std::span<const unsigned char> digest) const;
  std::uint64_t count(int table) const { return header_->counts[table]; }
  std::uint32_t set_count() const { return header_->set_count; }

 private:
  struct Table {
    const unsigned char* records = nullptr;
    std::uint64_t count = 0;
    std::uint32_t digest_size = 0;
    std::uint32_t record_size = 0;
  };
  std::string_view text(std::uint64_t offset, std::uint32_t size) const { return strings_.substr(offset, size); }
  MappedFile map_;
  const HashSetHeader* header_ = nullptr;
  std::span<const HashSetEntry> sets_;
  Table tables_[3];
  std::string_view strings_;
};

// Several stores (--hashset, repeatable) searched together.
class HashSetCollection {
 public:
  HashSetCollection() = default;
  explicit HashSetCollection(const std::vector<std::string>& paths);
  bool empty() const { return sets_.empty(); }
  // The match for a carved or found file by its MD5 and SHA-256 (hex; either may be empty).
  // known-bad wins over custom over known-good, so an alert is never hidden by a good match.
  std::optional<HashSetHit> match(std::string_view md5_hex, std::string_view sha256_hex) const;

 private:
  std::vector<HashSet> sets_;
};

}  // namespace trawl::detail
