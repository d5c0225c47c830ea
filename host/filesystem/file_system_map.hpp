// File-system awareness: The Sleuth Kit (libtsk) reads the image through trawl's own Source
// (so split raw and every other source work too), finds the volume system and the file systems,
// and walks every directory (allocated and deleted names, orphans). What comes out is built once,
// before the pass, and is immutable during it:
//
// * the file table: path, inode, allocated or deleted, size, and the file's content as extents;
// * the offset -> file map: the extents sorted by image offset, non-overlapping, looked up by
//   binary search from any thread (allocated files first, then deleted ones, then the file
//   systems' unallocated blocks).
//
// Extents in the map cover whole blocks, so a finding in a file's slack gets that file with an
// offset at or past its size. Resident data (NTFS files of a few hundred bytes that live inside
// their MFT record) has no extent of its own: a finding there is attributed to /$MFT.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "trawl/trawl.hpp"

namespace trawl::detail {

// One piece of a file's content on the image: image bytes [image_offset, +length) are file bytes
// [file_offset, +length).
struct FileExtent {
  std::uint64_t image_offset = 0;
  std::uint64_t length = 0;
  std::uint32_t file = 0;  // index into FileSystemMap::files()
  std::uint64_t file_offset = 0;
};

struct FsFile {
  std::string path;          // "/dir/file", inside its file system
  std::uint64_t inode = 0;   // TSK's metadata address (inode, MFT entry, FAT directory entry)
  bool allocated = true;     // false: deleted (its name or its metadata is unallocated)
  bool regular = false;      // a regular file: hashed; directories and others are only mapped
  std::uint32_t fs = 0;      // index into FileSystemMap::filesystems()
  std::uint64_t size = 0;    // bytes
  // An NTFS named stream: its attribute (type, id); none for the file's default data.
  std::optional<std::pair<std::uint32_t, std::uint16_t>> attribute;
  // Its content is exactly its extents in file order, holes (sparse runs) read as zeros, and the
  // image offsets grow with the file offsets: it can be hashed from the pass's chunks in order.
  // Otherwise (resident, compressed, out-of-order fragments) it is read through TSK.
  bool streamable = false;
  // Its inode claims more bytes than its whole file system holds, or than the image holds of it,
  // in block pointers (ext2/3, UFS): TSK would walk them block by block (seconds per GiB), so its
  // content is neither mapped (no extents) nor hashed. A hostile or corrupt inode costs nothing.
  bool oversized = false;
  std::vector<FileExtent> extents;  // file order, clipped to size; sparse holes left out
};

class FileSystemMap {
 public:
  // Finds the file systems on a random-access source and maps them; empty() when TSK recognises
  // none (the image then scans as raw). Never throws for what is on the image.
  static std::unique_ptr<FileSystemMap> build(const Source& source);
  ~FileSystemMap();
  FileSystemMap(const FileSystemMap&) = delete;
  FileSystemMap& operator=(const FileSystemMap&) = delete;

  bool empty() const { return filesystems_.empty(); }
  const std::vector<FileSystemInfo>& filesystems() const { return filesystems_; }
  const std::vector<FsFile>& files() const { return files_; }
  // What holds the byte at this image offset; nullopt outside every file system. Thread-safe.
  std::optional<FileContext> lookup(std::uint64_t offset) const;
  // The byte belongs to an allocated file (its blocks, slack included). Thread-safe.
  bool in_allocated_file(std::uint64_t offset) const;
  // libtsk's version, e.g. "4.11.1".
  static std::string tsk_version();
  // The file's content read through TSK in order (tsk_fs_file_read), in pieces. Not thread-safe:
  // one caller at a time. Returns false when TSK cannot read it.
  bool read_file(std::uint32_t file, const std::function<void(std::span<const std::byte>)>& sink) const;

 private:
  struct Tsk;  // the libtsk handles, kept open for read_file
  explicit FileSystemMap(const Source& source);
  void add_file_system(std::uint64_t offset, std::string volume_system);

  std::unique_ptr<Tsk> tsk_;
  std::vector<FileSystemInfo> filesystems_;
  std::vector<FsFile> files_;
  std::vector<FileExtent> allocated_, deleted_;  // whole blocks, sorted by image offset, disjoint
  std::vector<ByteRange> unallocated_;           // the file systems' free blocks, sorted, merged
  std::vector<ByteRange> fs_ranges_;             // the file systems' extents on the image, sorted
};

}  // namespace trawl::detail
