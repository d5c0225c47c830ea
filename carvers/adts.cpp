// AAC in ADTS (raw .aac files, the stream inside many recorders): a chain of frames, each with a
// 7-byte header (9 with a CRC) that starts with the 12-bit sync 0xFFF and layer 0 and gives the
// frame's length; every header agrees with the first (MPEG version, profile, sample-rate index,
// channel configuration, CRC present). Like bare MP3 frames the sync is two bytes that random
// data and every frame of a stream hold, so a file is taken only from a sector boundary (the
// signatures' own alignment: the search drops the other matches before any walk) and only
// after min_frames consistent frames; its frames on sector boundaries are reported as inner
// starts and skipped (walked in image order).
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

using namespace std::string_view_literals;

// MPEG-4 and MPEG-2, without and with CRC.
constexpr std::uint16_t sector = 512;  // a stream is a file only from a sector boundary
constexpr Signature signatures[] = {{"\xFF\xF1"sv, {}, 0, sector}, {"\xFF\xF9"sv, {}, 0, sector},
                                    {"\xFF\xF0"sv, {}, 0, sector}, {"\xFF\xF8"sv, {}, 0, sector}};
constexpr unsigned min_frames = 8;  // 8 × 1024 samples: under 0.2 s at 44.1 kHz

struct Header {
  std::uint32_t fixed;  // the bits every frame of a stream shares
  std::uint64_t length;
};

std::optional<Header> header_at(const ByteView& v, std::uint64_t pos) {
  const std::uint64_t h = std::uint64_t{v.u32be(pos)} << 24 | (v.u32be(pos + 3) & 0xFFFFFF);  // the 7-byte header
  if ((h >> 44) != 0xFFF || ((h >> 41) & 3) != 0) return std::nullopt;
  const unsigned protection_absent = (h >> 40) & 1, rate = (h >> 34) & 15;
  const std::uint64_t length = (h >> 13) & 0x1FFF;
  if (rate > 12 || length < (protection_absent ? 7u : 9u)) return std::nullopt;
  // ID, layer, protection, profile, sample rate, channel configuration; not the private bit.
  const auto fixed = static_cast<std::uint32_t>((h >> 30) & 0x3FFF) & ~(1u << 3);
  return Header{fixed, length};
}

Carve walk(const ByteView& v) {
  if (v.start() % sector != 0) return not_this();  // a frame inside a stream, or a chance match
  if (!v.has(0, 7)) return not_this();
  const auto first = header_at(v, 0);
  if (!first) return not_this();
  std::uint64_t pos = 0, frames = 0;
  std::vector<std::uint64_t> inner;
  for (;;) {
    const auto h = v.has(pos, 7) ? header_at(v, pos) : std::nullopt;
    if (!h || h->fixed != first->fixed) break;
    (void)v.u8(pos + h->length - 1);
    if (pos > 0 && (v.start() + pos) % sector == 0) inner.push_back(pos);
    pos += h->length;
    ++frames;
  }
  if (frames < min_frames) return not_this();
  Carve c = valid(pos);
  c.inner_starts = std::move(inner);
  return c;
}

}  // namespace

const CarverSpec adts_spec{"adts", "aac", "AAC audio in ADTS frames", 1ull << 30, signatures, walk, true};

}  // namespace trawl::carvers
