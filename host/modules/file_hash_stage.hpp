// File-level hashing (one stage per algorithm: MD5, SHA-256) of the regular files of the mapped file systems, allocated
// and deleted ones whose blocks TSK still knows, so that whole-file hash sets (NSRL) apply.
//
// Most files are hashed from the pass's own chunks, without reading anything twice: a file
// whose content is its extents in image order (FileSystemMap's `streamable`) is fed piece by
// piece as the chunks go by, in image order (one worker). The others (resident NTFS data,
// compressed files, fragments stored out of order) are read through TSK after the pass
// (tsk_fs_file_read), as icat would read them.
//
// One stage per algorithm, like the image hashes: a chain per thread, each no slower than the
// image's own chain of that algorithm (a file system's files are at most the image's bytes), and
// off the critical path (it yields to the slowest image chain).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/core/records.hpp"
#include "host/filesystem/file_system_map.hpp"
#include "host/hashing/evp.hpp"
#include "host/modules/hash_stages.hpp"
#include "host/modules/stage.hpp"

namespace trawl::detail {

class FileHashStage final : public ChunkStage {
 public:
  // algorithm: md5 or sha256.
  FileHashStage(const FileSystemMap& map, HashAlgorithm algorithm);
  ~FileHashStage() override;
  std::string name() const override { return "file-hash." + std::string(info(algorithm_).name); }
  unsigned workers() const override { return 1; }  // chunks in image order
  int nice() const override { return off_critical_path_nice; }
  void consume(const Chunk& chunk) override;
  // After a complete pass: hashes the files TSK must read, and returns all, in file-table order.
  std::vector<HashedFile> finish();
  // The stages' results for the same map, merged (each list in file-table order).
  static std::vector<HashedFile> merge(std::vector<HashedFile> md5, const std::vector<HashedFile>& sha256);

 private:
  struct Open;  // a file being hashed: its two digest contexts and how many bytes were fed
  Open& open(std::uint32_t file);
  void feed(std::uint32_t file, std::uint64_t file_offset, std::span<const std::byte> bytes);
  void close(std::uint32_t file);
  HashedFile digest(std::uint32_t file);

  const FileSystemMap& map_;
  HashAlgorithm algorithm_;
  std::vector<FileExtent> extents_;   // of streamable regular files, sorted by image offset
  std::size_t next_ = 0;              // first extent not yet started
  std::vector<std::size_t> active_;   // extents started and not finished (indexes into extents_)
  std::vector<std::uint32_t> extents_left_;  // per file: extents not yet finished
  std::vector<std::unique_ptr<Open>> open_;  // per file; null unless being hashed
  std::vector<HashedFile> done_;
};

}  // namespace trawl::detail
