// A chunk: `page` bytes that it owns plus up to `margin` bytes that belong to the next chunk.
// Everything that *starts* in the page is reported by this chunk; whatever starts in the margin
// is left to the next one (bulk_extractor's sbuf rule).
//
// It also carries up to `margin` bytes *before* the page (the lookbehind), so a scanner that
// sees a match end in the page can tell where it really starts, and whether it started in the
// previous page (then it is not this chunk's). Matches are at most `margin` bytes long.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace trawl::detail {

// A chunk's bytes on a device, made once per chunk by the backend (Backend::upload) and read by
// every stage's kernels; what it holds is the backend's business. It lives as long as the chunk.
class DeviceCopy {
 public:
  explicit DeviceCopy(std::span<const std::byte> host) : host_(host) {}
  virtual ~DeviceCopy() = default;
  // Where `span` starts in the copy, when it lies wholly in the chunk's bytes that were copied.
  std::optional<std::size_t> offset_of(std::span<const std::byte> span) const {
    const auto begin = reinterpret_cast<std::uintptr_t>(host_.data()), at = reinterpret_cast<std::uintptr_t>(span.data());
    if (at < begin || at + span.size() > begin + host_.size()) return std::nullopt;
    return at - begin;
  }

 private:
  std::span<const std::byte> host_;  // the chunk's bytes that were copied
};

struct Chunk {
  std::uint64_t index = 0;      // 0, 1, 2, ... in image order
  std::uint64_t offset = 0;     // absolute image offset of the first byte (page starts here)
  std::size_t page_len = 0;     // bytes owned; == page size except for the last chunk
  std::size_t data_len = 0;     // page_len + margin bytes present (margin is short at the end)
  std::size_t before_len = 0;   // lookbehind bytes before `bytes`: min(margin, offset)
  const std::byte* bytes = nullptr;  // page start; [bytes - before_len, bytes + data_len) is valid
  // [bytes - before_len, bytes + data_len) on the backend's device, or null (a host backend, or no
  // stage runs kernels). Set by the engine before any stage sees the chunk, never after.
  mutable std::shared_ptr<const DeviceCopy> device;

  std::span<const std::byte> page() const { return {bytes, page_len}; }
  std::span<const std::byte> data() const { return {bytes, data_len}; }
  // Lookbehind + page + margin: starts at absolute offset `offset - before_len`.
  std::span<const std::byte> with_lookbehind() const { return {bytes - before_len, before_len + data_len}; }
};

// Shared by every stage that reads the chunk; the buffer returns to the ring when the last
// holder lets go.
using ChunkPtr = std::shared_ptr<const Chunk>;

}  // namespace trawl::detail
