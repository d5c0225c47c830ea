#include "carvers/byte_view.hpp"

#include <algorithm>
#include <cstring>

namespace trawl::carvers {

ByteView::ByteView(const Source& source, std::uint64_t start, std::uint64_t size, std::span<const std::byte> resident,
                   std::uint64_t resident_offset, bool limited)
    : source_(&source), start_(start), size_(size), limited_(limited), resident_(resident),
      resident_offset_(resident_offset) {}

ByteView::ByteView(std::span<const std::byte> bytes) : size_(bytes.size()), resident_(bytes) {}

namespace {

std::vector<std::uint64_t> starts_of(const std::vector<ByteRange>& runs, std::uint64_t& total) {
  std::vector<std::uint64_t> starts;
  total = 0;
  for (const auto& r : runs) {
    starts.push_back(total);
    total += r.length;
  }
  return starts;
}

}  // namespace

ByteView::ByteView(const Source& source, std::vector<ByteRange> runs, std::uint64_t size, std::span<const std::byte> resident,
                   std::uint64_t resident_offset, bool limited)
    : source_(&source), limited_(limited), runs_(std::move(runs)), resident_(resident), resident_offset_(resident_offset) {
  std::uint64_t total = 0;
  run_starts_ = starts_of(runs_, total);
  start_ = runs_.empty() ? 0 : runs_.front().offset;
  size_ = std::min(size, total);
}

ByteView::ByteView(std::span<const std::byte> bytes, std::vector<ByteRange> runs, std::uint64_t size)
    : runs_(std::move(runs)), resident_(bytes) {
  std::uint64_t total = 0;
  run_starts_ = starts_of(runs_, total);
  start_ = runs_.empty() ? 0 : runs_.front().offset;
  size_ = std::min(size, total);
}

ByteView ByteView::with_runs(std::vector<ByteRange> runs, std::uint64_t size) const {
  if (!source_) return ByteView(resident_, std::move(runs), size);
  return ByteView(*source_, std::move(runs), size, resident_, resident_offset_, limited_);
}

std::uint64_t ByteView::locate(std::uint64_t pos, std::uint64_t& run_end) const {
  if (runs_.empty()) {
    run_end = size_;
    return start_ + pos;
  }
  // The last run that starts at or before pos (runs of length 0 are passed over).
  const auto it = std::upper_bound(run_starts_.begin(), run_starts_.end(), pos);
  const auto i = static_cast<std::size_t>(it - run_starts_.begin()) - 1;
  run_end = std::min(size_, run_starts_[i] + runs_[i].length);
  return runs_[i].offset + (pos - run_starts_[i]);
}

std::span<const std::byte> ByteView::window(std::uint64_t pos, std::uint64_t max_len) const {
  if (pos >= size_) throw EndOfView();
  std::uint64_t run_end = size_;
  const std::uint64_t absolute = locate(pos, run_end);
  const std::uint64_t want = std::min<std::uint64_t>(std::max<std::uint64_t>(max_len, 1), run_end - pos);
  // Resident bytes first: no copy, no read.
  if (absolute >= resident_offset_ && absolute - resident_offset_ < resident_.size()) {
    const std::uint64_t at = absolute - resident_offset_;
    const std::uint64_t run = resident_.size() - at;
    fast_ = resident_.data() + at;
    fast_begin_ = pos;
    fast_end_ = pos + std::min(run, run_end - pos);
    return {fast_, static_cast<std::size_t>(std::min(run, want))};
  }
  if (!source_) throw EndOfView();
  const std::uint64_t block = absolute / block_size;
  Slot* slot = nullptr;
  for (auto& s : slots_)
    if (s.block == block) slot = &s;
  if (!slot) {
    slot = &*std::min_element(slots_.begin(), slots_.end(), [](const Slot& a, const Slot& b) { return a.used < b.used; });
    if (!slot->bytes) slot->bytes = std::make_unique_for_overwrite<std::byte[]>(block_size);
    slot->block = block;
    auto r = source_->read_at(std::span(slot->bytes.get(), block_size), block * block_size);
    slot->valid = r.bytes;  // an unreadable sector ends what this view can see
  }
  slot->used = ++clock_;
  const std::uint64_t at = absolute - block * block_size;
  if (at >= slot->valid) throw EndOfView();
  const std::uint64_t run = slot->valid - at;
  fast_ = slot->bytes.get() + at;
  fast_begin_ = pos;
  fast_end_ = pos + std::min(run, run_end - pos);
  return {fast_, static_cast<std::size_t>(std::min(run, want))};
}

void ByteView::read(std::uint64_t pos, std::span<std::byte> out) const {
  if (!has(pos, out.size())) throw EndOfView();
  std::size_t done = 0;
  while (done < out.size()) {
    auto w = window(pos + done, out.size() - done);
    std::memcpy(out.data() + done, w.data(), w.size());
    done += w.size();
  }
}

bool ByteView::equals(std::uint64_t pos, std::string_view literal) const {
  std::byte buffer[64];
  if (literal.size() > sizeof buffer) {
    std::vector<std::byte> big(literal.size());
    read(pos, big);
    return std::memcmp(big.data(), literal.data(), literal.size()) == 0;
  }
  read(pos, std::span(buffer, literal.size()));
  return std::memcmp(buffer, literal.data(), literal.size()) == 0;
}

std::uint64_t ByteView::le(std::uint64_t pos, unsigned n) const {
  std::byte b[8];
  read(pos, std::span(b, n));
  std::uint64_t v = 0;
  for (unsigned i = n; i-- > 0;) v = (v << 8) | std::to_integer<std::uint64_t>(b[i]);
  return v;
}

std::uint64_t ByteView::be(std::uint64_t pos, unsigned n) const {
  std::byte b[8];
  read(pos, std::span(b, n));
  std::uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v = (v << 8) | std::to_integer<std::uint64_t>(b[i]);
  return v;
}

std::optional<std::uint64_t> ByteView::find(std::string_view needle, std::uint64_t from, std::uint64_t to) const {
  if (needle.empty() || needle.size() > 64) return std::nullopt;
  if (size_ < needle.size()) return std::nullopt;
  to = std::min(to, size_ - needle.size() + 1);
  const auto first = static_cast<unsigned char>(needle[0]);
  std::uint64_t pos = from;
  while (pos < to) {
    std::span<const std::byte> w;
    try {
      w = window(pos, std::min<std::uint64_t>(to - pos, 1 << 20));
    } catch (const EndOfView&) {
      return std::nullopt;  // an unreadable range: nothing past it can be seen
    }
    const auto* base = reinterpret_cast<const unsigned char*>(w.data());
    std::uint64_t next = pos + w.size();
    for (std::size_t i = 0; i < w.size(); ++i) {
      const void* hit = std::memchr(base + i, first, w.size() - i);
      if (!hit) break;
      i = static_cast<std::size_t>(static_cast<const unsigned char*>(hit) - base);
      if (i + needle.size() <= w.size()) {
        if (std::memcmp(base + i, needle.data(), needle.size()) == 0) return pos + i;
        continue;
      }
      // The needle would cross the window's end: equals() reads across blocks. It may evict the
      // block behind `w`, so the search goes on from a fresh window.
      bool match = false;
      try {
        match = equals(pos + i, needle);
      } catch (const EndOfView&) {
        return std::nullopt;
      }
      if (match) return pos + i;
      next = pos + i + 1;
      break;
    }
    pos = next;
  }
  return std::nullopt;
}

}  // namespace trawl::carvers
