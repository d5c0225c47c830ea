// A chunk: `page` bytes that it owns plus up to `margin` bytes that belong to the next chunk.
// Everything that *starts* in the page is reported by this chunk; whatever starts in the margin
// is left to the next one (bulk_extractor's sbuf rule).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace trawl::detail {

struct Chunk {
  std::uint64_t index = 0;      // 0, 1, 2, ... in image order
  std::uint64_t offset = 0;     // absolute image offset of the first byte (page starts here)
  std::size_t page_len = 0;     // bytes owned; == page size except for the last chunk
  std::size_t data_len = 0;     // page_len + margin bytes present (margin is short at the end)
  const std::byte* bytes = nullptr;  // valid for data_len bytes while the Chunk is alive

  std::span<const std::byte> page() const { return {bytes, page_len}; }
  std::span<const std::byte> data() const { return {bytes, data_len}; }
};

// Shared by every stage that reads the chunk; the buffer returns to the ring when the last
// holder lets go.
using ChunkPtr = std::shared_ptr<const Chunk>;

}  // namespace trawl::detail
