// The Reader: one I/O thread reads the source front to back into a fixed ring of reusable
// buffers. Every byte of the image is read from the source exactly once: the margin of chunk
// k is read as part of it and copied to the head of chunk k+1, so streams work and a bad
// sector is met (and recorded) once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "host/reader/chunk.hpp"
#include "host/reader/host_buffer.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

struct ReaderConfig {
  std::size_t page_size = 16u << 20;
  std::size_t margin = 1u << 20;  // <= page_size
  std::size_t buffers = 6;        // >= 2: the previous chunk is held while the next is filled
  std::uint32_t sector_size = 512;
  // The part of the image to deliver: pages from `start` (a multiple of the page size's
  // block, checked by scan()) up to `end` (0 = the end of the image). The first chunk's
  // lookbehind and the last one's margin are still read from outside the range, so that
  // findings starting inside it are whole: the lookbehind is then read twice (random access).
  std::uint64_t start = 0;
  std::uint64_t end = 0;
};

// Bytes a chunk buffer holds: lookbehind (margin) + page + margin.
inline std::size_t buffer_size(const ReaderConfig& c) { return c.page_size + 2 * c.margin; }

// A fixed set of equally sized buffers; acquire() blocks until one is free.
class ChunkRing {
 public:
  ChunkRing(std::size_t count, std::size_t capacity, const std::function<HostBuffer(std::size_t)>& allocate);
  std::byte* acquire();
  void release(std::byte* buffer);
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::vector<HostBuffer> owned_;
  std::vector<std::byte*> free_;  // guarded by mutex_
  std::mutex mutex_;
  std::condition_variable available_;
};

class Reader {
 public:
  Reader(const Source& source, const ReaderConfig& config, ChunkRing& ring);

  // Reads every chunk in order and hands each to `deliver`; returns at the end of the image or
  // once `stop` is set. Read errors are retried down to one sector; what stays unreadable is
  // zero-filled and recorded in bad_ranges().
  void run(const std::function<void(ChunkPtr)>& deliver, const std::atomic<bool>& stop);

  const std::vector<ByteRange>& bad_ranges() const { return bad_ranges_; }
  std::uint64_t bytes_read() const { return bytes_read_; }    // delivered by the source
  std::uint64_t image_size() const { return image_size_; }    // final once run() returned:
                                                              // where the last page delivered ends
  double busy_seconds() const { return busy_seconds_; }

 private:
  // Fills `buffer` from `offset`; returns the bytes present (short only at the end of image).
  std::size_t read_span(std::span<std::byte> buffer, std::uint64_t offset);
  std::size_t read_rest(std::span<std::byte> buffer, std::uint64_t offset);
  void recover(std::span<std::byte> buffer, std::uint64_t offset, bool& eof, std::size_t& present);
  void record_bad(std::uint64_t offset, std::uint64_t length);

  const Source& source_;
  ReaderConfig config_;
  ChunkRing& ring_;
  std::vector<ByteRange> bad_ranges_;  // merged, in offset order
  std::uint64_t bytes_read_ = 0;
  std::uint64_t image_size_ = 0;
  double busy_seconds_ = 0;
};

}  // namespace trawl::detail
