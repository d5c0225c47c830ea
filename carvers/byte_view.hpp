// ByteView: the only way a carver reads evidence. A bounds-checked, random-access window onto the
// image that starts at a candidate file's first byte. Every read checks its range; a read past the
// end of the view (image end, an unreadable sector, or the size limit of this carve) throws
// EndOfView, which the carve driver turns into the verdict `truncated`. There is no unchecked
// accessor: carvers never do pointer arithmetic on untrusted bytes.
//
// Reads are served from the bytes already in memory (the chunk being scanned, "resident") when
// they fall there, and otherwise from the Source through a small block cache, so a carver may
// walk a file far longer than a chunk.
//
// A view is used by one thread at a time (its cache is not synchronised); make one per carve.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "trawl/trawl.hpp"

namespace trawl::carvers {

// A read reached past the end of the view. Not an error of the program: the file is cut off.
struct EndOfView : std::exception {
  const char* what() const noexcept override { return "read past the end of the view"; }
};

class ByteView {
 public:
  // The view [start, start + size) of `source`. `resident` holds image bytes [resident_offset,
  // resident_offset + resident.size()) already in memory; they must equal the source's bytes.
  // `size` is the smaller of what the image has from `start` and the carve's size limit;
  // `limited` says that the limit, not the image end, set it.
  ByteView(const Source& source, std::uint64_t start, std::uint64_t size, std::span<const std::byte> resident,
           std::uint64_t resident_offset, bool limited);
  // A view of bytes in memory only (tests, fuzz targets, carving inside a buffer).
  explicit ByteView(std::span<const std::byte> bytes);
  // A file in fragments: view position 0 is runs[0].offset, and the view's bytes are the runs'
  // bytes one after the other (absolute image offsets; for the memory-only form, offsets into
  // `bytes`). `size` is at most the sum of the runs' lengths. Walks read it as if it were one
  // contiguous file, so the same walk validates a reassembly (carvers/reassemble.hpp).
  ByteView(const Source& source, std::vector<ByteRange> runs, std::uint64_t size, std::span<const std::byte> resident,
           std::uint64_t resident_offset, bool limited);
  ByteView(std::span<const std::byte> bytes, std::vector<ByteRange> runs, std::uint64_t size = UINT64_MAX);
  // A fragmented view over the same evidence as this one (its source, or its memory bytes), with
  // runs in this view's absolute coordinates.
  ByteView with_runs(std::vector<ByteRange> runs, std::uint64_t size) const;
  ByteView(const ByteView&) = delete;
  ByteView& operator=(const ByteView&) = delete;

  std::uint64_t size() const { return size_; }
  bool limited() const { return limited_; }  // the size limit, not the image, ends this view
  std::uint64_t start() const { return start_; }
  // The runs of a fragmented view (empty: one contiguous run from start()).
  const std::vector<ByteRange>& runs() const { return runs_; }
  // True when [pos, pos + n) lies inside the view (overflow-safe).
  bool has(std::uint64_t pos, std::uint64_t n) const { return pos <= size_ && n <= size_ - pos; }

  std::uint8_t u8(std::uint64_t pos) const {
    if (pos >= fast_begin_ && pos < fast_end_) return static_cast<std::uint8_t>(fast_[pos - fast_begin_]);
    return static_cast<std::uint8_t>(window(pos, 1)[0]);
  }
  std::uint16_t u16le(std::uint64_t pos) const { return static_cast<std::uint16_t>(le(pos, 2)); }
  std::uint16_t u16be(std::uint64_t pos) const { return static_cast<std::uint16_t>(be(pos, 2)); }
  std::uint32_t u32le(std::uint64_t pos) const { return static_cast<std::uint32_t>(le(pos, 4)); }
  std::uint32_t u32be(std::uint64_t pos) const { return static_cast<std::uint32_t>(be(pos, 4)); }
  std::uint64_t u64le(std::uint64_t pos) const { return le(pos, 8); }
  std::uint64_t u64be(std::uint64_t pos) const { return be(pos, 8); }

  // Copies [pos, pos + out.size()) into out; throws EndOfView when any of it is outside.
  void read(std::uint64_t pos, std::span<std::byte> out) const;
  // True when the bytes at pos equal `literal`; throws EndOfView when they are outside the view.
  bool equals(std::uint64_t pos, std::string_view literal) const;
  // The longest run of bytes from pos that is contiguous in memory, at most max_len (>= 1 byte).
  // Throws EndOfView when pos >= size(). The span stays valid until the next call on this view.
  std::span<const std::byte> window(std::uint64_t pos, std::uint64_t max_len) const;
  // First position p in [from, to) where `needle` starts and lies wholly inside the view.
  std::optional<std::uint64_t> find(std::string_view needle, std::uint64_t from, std::uint64_t to) const;

 private:
  std::uint64_t le(std::uint64_t pos, unsigned n) const;
  // The absolute offset of view position pos (< size_) and the view position where the run
  // holding it ends.
  std::uint64_t locate(std::uint64_t pos, std::uint64_t& run_end) const;
  std::uint64_t be(std::uint64_t pos, unsigned n) const;

  static constexpr std::size_t block_size = 256 << 10;  // cache granule, absolute-aligned
  static constexpr std::size_t cache_slots = 4;
  struct Slot {
    std::uint64_t block = UINT64_MAX;  // absolute offset / block_size, UINT64_MAX = empty
    std::size_t valid = 0;             // bytes read from the source (short at the image end or an unreadable sector)
    std::unique_ptr<std::byte[]> bytes;  // block_size bytes once used (not zeroed: only `valid` are read)
    std::uint64_t used = 0;            // LRU clock
  };

  const Source* source_ = nullptr;  // null: memory-only view
  std::uint64_t start_ = 0;         // absolute offset of view position 0
  std::uint64_t size_ = 0;
  bool limited_ = false;
  std::vector<ByteRange> runs_;            // fragments; empty: contiguous
  std::vector<std::uint64_t> run_starts_;  // view position of each run's first byte
  std::span<const std::byte> resident_;  // image bytes in memory: the chunk, or the whole view
  std::uint64_t resident_offset_ = 0;    // absolute offset of resident_[0]
  mutable std::array<Slot, cache_slots> slots_{};
  mutable std::uint64_t clock_ = 0;
  // The last window handed out, for one-byte reads without a lookup: view positions [begin, end).
  mutable const std::byte* fast_ = nullptr;
  mutable std::uint64_t fast_begin_ = 0, fast_end_ = 0;
};

}  // namespace trawl::carvers
