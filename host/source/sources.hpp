// The concrete evidence sources behind trawl::Source. All open their files read-only
// (O_RDONLY, never O_CREAT or O_TRUNC): evidence is never modified.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/util/unique_fd.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

// One raw image file or a block device, read with pread (stateless, any thread).
class FileSource final : public Source {
 public:
  static std::unique_ptr<FileSource> open(const std::string& path);
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override;
  std::optional<std::uint64_t> size() const override { return size_; }
  bool random_access() const override { return true; }
  std::string_view kind() const override { return device_ ? "device" : "raw"; }
  std::vector<std::string> paths() const override { return {path_}; }

 private:
  FileSource(std::string path, UniqueFd fd, std::uint64_t size, bool device)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size), device_(device) {}
  std::string path_;
  UniqueFd fd_;
  std::uint64_t size_;
  bool device_;
};

// A split raw image image.001, image.002, ... read as their concatenation. Every segment but
// the last must have the first segment's size (as dd/split/FTK write them); a gap in the
// numbering or a short middle segment is a broken set and refused when opened.
class SplitSource final : public Source {
 public:
  static std::unique_ptr<SplitSource> open(const std::string& first_path);
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override;
  std::optional<std::uint64_t> size() const override { return size_; }
  bool random_access() const override { return true; }
  std::string_view kind() const override { return "split"; }
  std::vector<std::string> paths() const override;

 private:
  struct Segment {
    std::string path;
    UniqueFd fd;
    std::uint64_t start;  // absolute image offset of the segment's first byte
    std::uint64_t size;
  };
  explicit SplitSource(std::vector<Segment> segments);
  std::vector<Segment> segments_;  // in image order, contiguous, covering [0, size_)
  std::uint64_t size_ = 0;
};

// Standard input or a pipe: sequential only. read_at must be called at the offset where the
// previous read ended; the size is unknown until a read returns short.
class StreamSource final : public Source {
 public:
  explicit StreamSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override;
  std::optional<std::uint64_t> size() const override { return std::nullopt; }
  bool random_access() const override { return false; }
  std::string_view kind() const override { return "stdin"; }
  std::vector<std::string> paths() const override { return {name_}; }

 private:
  int fd_;  // not owned (stdin)
  std::string name_;
  mutable std::mutex mutex_;
  mutable std::uint64_t position_ = 0;  // offset of the next byte the stream will deliver
};

// Wraps a source and makes reads that touch chosen ranges fail with EIO, sector by sector, as
// a disk with bad sectors does (TRAWL_INJECT_BAD_SECTORS), and the first read across each of the
// `short_reads` offsets stop there without an error, as a read cut short does
// (TRAWL_INJECT_SHORT_READS). For fault-injection tests.
class FaultySource final : public Source {
 public:
  FaultySource(std::unique_ptr<Source> inner, std::vector<ByteRange> bad, std::uint32_t sector = 512,
               std::vector<std::uint64_t> short_reads = {})
      : inner_(std::move(inner)), bad_(std::move(bad)), sector_(sector), short_reads_(std::move(short_reads)) {}
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override;
  std::optional<std::uint64_t> size() const override { return inner_->size(); }
  bool random_access() const override { return inner_->random_access(); }
  std::string_view kind() const override { return inner_->kind(); }
  std::vector<std::string> paths() const override { return inner_->paths(); }

 private:
  std::unique_ptr<Source> inner_;
  std::vector<ByteRange> bad_;  // every sector that overlaps one of these fails
  std::uint32_t sector_;
  mutable std::mutex mutex_;
  mutable std::vector<std::uint64_t> short_reads_;  // offsets whose short read is still to come
};

// Parses "OFFSET:LENGTH,OFFSET:LENGTH" (sizes as parse_size accepts them).
std::vector<ByteRange> parse_ranges(std::string_view text);

}  // namespace trawl::detail
