#include "host/reader/reader.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include "host/util/text.hpp"

namespace trawl::detail {

ChunkRing::ChunkRing(std::size_t count, std::size_t capacity,
                     const std::function<HostBuffer(std::size_t)>& allocate)
    : capacity_(capacity) {
  for (std::size_t i = 0; i < count; ++i) {
    owned_.push_back(allocate(capacity));
    free_.push_back(owned_.back().get());
  }
}

std::byte* ChunkRing::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !free_.empty(); });
  std::byte* buffer = free_.back();
  free_.pop_back();
  return buffer;
}

void ChunkRing::release(std::byte* buffer) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(buffer);
  }
  available_.notify_one();
}

Reader::Reader(const Source& source, const ReaderConfig& config, ChunkRing& ring)
    : source_(source), config_(config), ring_(ring) {
  if (config_.buffers < 2) throw Error(ErrorKind::options, "the reader needs at least 2 buffers");
  if (config_.margin > config_.page_size) throw Error(ErrorKind::options, "the margin must not exceed the page size");
  if (ring_.capacity() < buffer_size(config_))
    throw Error(ErrorKind::internal, "chunk buffers are smaller than lookbehind + page + margin");
}

void Reader::run(const std::function<void(ChunkPtr)>& deliver, const std::atomic<bool>& stop) {
  using clock = std::chrono::steady_clock;
  const auto source_size = source_.size();
  const std::size_t page = config_.page_size;
  if (config_.start > 0 && !source_.random_access())
    throw Error(ErrorKind::options,
                "a range that does not start at 0 needs a random-access source, not " + std::string(source_.kind()));
  // Pages end at the range's end; their margin may still read past it, up to the image's end.
  std::optional<std::uint64_t> pages_end = source_size;
  if (config_.end) pages_end = source_size ? std::min(*source_size, config_.end) : config_.end;
  ChunkPtr previous;
  image_size_ = config_.start;
  for (std::uint64_t index = 0; !stop.load(std::memory_order_relaxed); ++index) {
    const std::uint64_t offset = config_.start + index * page;
    if (pages_end && offset >= *pages_end) break;
    std::byte* buffer = ring_.acquire();
    auto started = clock::now();

    // Buffer layout: [lookbehind: margin][page][margin]. The lookbehind and the head of this
    // page are the tail of the previous chunk's buffer: one copy, no byte read twice.
    std::byte* page_start = buffer + config_.margin;
    std::size_t before = 0, overlap = 0;
    if (previous) {
      before = std::min(config_.margin, previous->page_len);
      overlap = previous->data_len - previous->page_len;
      std::memcpy(page_start - before, previous->bytes + previous->page_len - before, before + overlap);
    } else if (offset > 0) {
      // A range that starts inside the image: its lookbehind is read, not copied. Its bytes
      // belong to the range before, which reports them (and any bad sector in them).
      before = static_cast<std::size_t>(std::min<std::uint64_t>(config_.margin, offset));
      std::span<std::byte> lookbehind{page_start - before, before};
      if (Source::Read r = source_.read_at(lookbehind, offset - before); r.error || r.bytes < before)
        std::memset(lookbehind.data() + r.bytes, 0, before - r.bytes);
    }
    const auto known_size = source_size;
    std::size_t want = page + config_.margin - overlap;
    if (known_size) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, *known_size - offset - overlap));
    std::size_t got = read_span({page_start + overlap, want}, offset + overlap);
    std::size_t data_len = overlap + got;
    busy_seconds_ += std::chrono::duration<double>(clock::now() - started).count();

    if (data_len == 0) {  // a stream that ended exactly on a page boundary
      ring_.release(buffer);
      break;
    }
    std::size_t page_len = std::min(page, data_len);
    if (pages_end) page_len = static_cast<std::size_t>(std::min<std::uint64_t>(page_len, *pages_end - offset));
    auto* chunk = new Chunk{index, offset, page_len, data_len, before, page_start, nullptr};
    ChunkPtr shared(chunk, [ring = &ring_, buffer](const Chunk* c) {
      ring->release(buffer);
      delete c;
    });
    image_size_ = offset + chunk->page_len;
    bool last = pages_end ? image_size_ >= *pages_end : (got < want && data_len <= page);
    previous = shared;
    deliver(std::move(shared));
    if (last) break;
  }
}

std::size_t Reader::read_span(std::span<std::byte> buffer, std::uint64_t offset) {
  Source::Read r = source_.read_at(buffer, offset);
  bytes_read_ += r.bytes;
  // A source of known size is only asked for bytes it has (`want` stops at its end), so a short
  // read means a read that came back early or an image that shrank: read on from there.
  if (!r.error && r.bytes < buffer.size() && source_.size())
    return r.bytes + read_rest(buffer.subspan(r.bytes), offset + r.bytes);
  if (!r.error) return r.bytes;
  if (!source_.random_access())
    throw Error(ErrorKind::input, "read error on " + in_quotes(source_.paths().front()) + " at offset " +
                                      std::to_string(offset + r.bytes) + ": " + errno_text(r.error) +
                                      " (a stream cannot be re-read)");
  std::size_t present = r.bytes;
  bool eof = false;
  recover(buffer.subspan(r.bytes), offset + r.bytes, eof, present);
  return present;
}

// The rest of a short read from a source of known size: read again while bytes come; where none
// come any more (the image was cut while being read), the bytes are unreadable: zero-filled and
// recorded as a bad range, like bad sectors, so that no byte of the image is skipped silently.
std::size_t Reader::read_rest(std::span<std::byte> buffer, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    Source::Read r = source_.read_at(buffer.subspan(done), offset + done);
    bytes_read_ += r.bytes;
    done += r.bytes;
    if (r.error) {
      bool eof = false;
      recover(buffer.subspan(done), offset + done, eof, done);
      return done;
    }
    if (r.bytes == 0) {
      std::memset(buffer.data() + done, 0, buffer.size() - done);
      record_bad(offset + done, buffer.size() - done);
      return buffer.size();
    }
  }
  return done;
}

// Bisects a failing range at sector boundaries until each failing piece lies within one
// sector; those are zero-filled and recorded. Costs O(log(range / sector)) reads per bad sector.
void Reader::recover(std::span<std::byte> buffer, std::uint64_t offset, bool& eof, std::size_t& present) {
  if (buffer.empty() || eof) return;
  Source::Read r = source_.read_at(buffer, offset);
  if (!r.error) {
    bytes_read_ += r.bytes;
    present += r.bytes;
    eof = r.bytes < buffer.size();
    return;
  }
  const std::uint64_t sector = config_.sector_size;
  const std::uint64_t first_sector = offset / sector;
  const std::uint64_t last_sector = (offset + buffer.size() - 1) / sector;
  if (first_sector == last_sector) {
    std::memset(buffer.data(), 0, buffer.size());
    record_bad(offset, buffer.size());
    present += buffer.size();
    return;
  }
  std::uint64_t mid = (offset + buffer.size() / 2) / sector * sector;
  if (mid <= offset) mid = (first_sector + 1) * sector;
  auto head = static_cast<std::size_t>(mid - offset);
  recover(buffer.first(head), offset, eof, present);
  recover(buffer.subspan(head), mid, eof, present);
}

void Reader::record_bad(std::uint64_t offset, std::uint64_t length) {
  if (!bad_ranges_.empty()) {
    auto& last = bad_ranges_.back();
    if (last.offset + last.length == offset) {
      last.length += length;
      return;
    }
  }
  bad_ranges_.push_back({offset, length});
}

}  // namespace trawl::detail
