// FLAC: "fLaC", metadata blocks up to the one flagged last (STREAMINFO first), then frames. A
// frame header starts with the sync 0xFFF8/0xFFF9, is checked field by field and by its CRC-8,
// and the frame ends where the next frame header starts and the CRC-16 over the frame (its
// stored CRC included) comes to zero. The file ends when the frames hold the total sample count
// of STREAMINFO. A stream whose STREAMINFO has no count (written without seeking back) has no
// end the walk can tell from what follows it: it is never `valid`.
#include <array>

#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"fLaC", {}, 0}};
constexpr std::uint64_t max_frame = 16 << 20;  // a frame holds at most 65535 samples × 8 channels × 4 bytes

constexpr std::array<std::uint8_t, 256> crc8_table = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned r = i;
    for (int k = 0; k < 8; ++k) r = (r & 0x80) ? ((r << 1) ^ 0x07) & 0xFF : (r << 1) & 0xFF;
    t[i] = static_cast<std::uint8_t>(r);
  }
  return t;
}();
constexpr std::array<std::uint16_t, 256> crc16_table = [] {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned r = i << 8;
    for (int k = 0; k < 8; ++k) r = (r & 0x8000) ? ((r << 1) ^ 0x8005) & 0xFFFF : (r << 1) & 0xFFFF;
    t[i] = static_cast<std::uint16_t>(r);
  }
  return t;
}();

struct StreamInfo {
  unsigned min_block, max_block, sample_rate, channels, bits;
  std::uint64_t total_samples;
};

struct FrameHeader {
  std::uint64_t length;  // header bytes, CRC-8 included
  std::uint64_t samples;
};

// The frame header at pos, checked against STREAMINFO and by its CRC-8; nullopt when it is not one.
std::optional<FrameHeader> frame_header(const ByteView& v, std::uint64_t pos, const StreamInfo& si, unsigned strategy) {
  if (!v.has(pos, 16)) return std::nullopt;
  if (v.u8(pos) != 0xFF || v.u8(pos + 1) != (0xF8 | strategy)) return std::nullopt;
  const unsigned b2 = v.u8(pos + 2), b3 = v.u8(pos + 3);
  const unsigned block_code = b2 >> 4, rate_code = b2 & 15, channel_code = b3 >> 4, size_code = (b3 >> 1) & 7;
  if (block_code == 0 || rate_code == 15 || channel_code > 10 || size_code == 3 || size_code == 7 || (b3 & 1)) return std::nullopt;
  const unsigned channels = channel_code < 8 ? channel_code + 1 : 2;
  if (channels != si.channels) return std::nullopt;
  static constexpr unsigned bits_of[] = {0, 8, 12, 0, 16, 20, 24, 0};
  if (size_code != 0 && bits_of[size_code] != si.bits) return std::nullopt;
  // The frame or sample number, UTF-8 coded (up to 7 bytes).
  std::uint64_t p = pos + 4;
  const unsigned lead = v.u8(p++);
  int more = 0;
  if (lead < 0x80) more = 0;
  else if ((lead & 0xE0) == 0xC0) more = 1;
  else if ((lead & 0xF0) == 0xE0) more = 2;
  else if ((lead & 0xF8) == 0xF0) more = 3;
  else if ((lead & 0xFC) == 0xF8) more = 4;
  else if ((lead & 0xFE) == 0xFC) more = 5;
  else if (lead == 0xFE) more = 6;
  else return std::nullopt;
  for (int i = 0; i < more; ++i)
    if ((v.u8(p++) & 0xC0) != 0x80) return std::nullopt;
  std::uint64_t samples = 0;
  if (block_code == 1) samples = 192;
  else if (block_code <= 5) samples = 576u << (block_code - 2);
  else if (block_code == 6) samples = v.u8(p++) + 1u;
  else if (block_code == 7) samples = v.u16be(p) + 1u, p += 2;
  else samples = 256u << (block_code - 8);
  if (rate_code == 12) ++p;
  else if (rate_code == 13 || rate_code == 14) p += 2;
  std::uint8_t crc = 0;
  for (std::uint64_t i = pos; i < p; ++i) crc = crc8_table[crc ^ v.u8(i)];
  if (crc != v.u8(p)) return std::nullopt;
  if (samples > si.max_block) return std::nullopt;
  return FrameHeader{p + 1 - pos, samples};
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 42)) return not_this();
  // STREAMINFO first, 34 bytes.
  if ((v.u8(4) & 0x7F) != 0 || (v.u32be(4) & 0xFFFFFF) != 34) return not_this();
  StreamInfo si{};
  si.min_block = v.u16be(8);
  si.max_block = v.u16be(10);
  const std::uint64_t packed = v.u64be(18);  // rate 20 bits, channels-1 3, bits-1 5, samples 36
  si.sample_rate = static_cast<unsigned>(packed >> 44);
  si.channels = static_cast<unsigned>((packed >> 41) & 7) + 1;
  si.bits = static_cast<unsigned>((packed >> 36) & 31) + 1;
  si.total_samples = packed & 0xFFFFFFFFFull;
  if (si.min_block < 16 || si.max_block < si.min_block || si.sample_rate == 0 || si.sample_rate > 655350 || si.bits < 4)
    return not_this();
  std::uint64_t pos = 4;
  for (unsigned blocks = 0;; ++blocks) {
    const unsigned type = v.u8(pos) & 0x7F;
    const bool last = v.u8(pos) & 0x80;
    if (type == 127 || (blocks > 0 && type == 0) || blocks > 1024) return corrupt(pos, "bad metadata block");
    pos += 4 + (v.u32be(pos) & 0xFFFFFF);
    if (last) break;
  }
  const std::uint64_t first_frame = pos;
  if (!v.has(pos, 2) || v.u8(pos) != 0xFF || (v.u8(pos + 1) & 0xFE) != 0xF8) return corrupt(pos, "no frame after the metadata");
  const unsigned strategy = v.u8(pos + 1) & 1;
  std::uint64_t samples = 0;
  for (;;) {
    const auto header = frame_header(v, pos, si, strategy);
    if (!header) return pos == first_frame ? corrupt(pos, "bad first frame header") : corrupt(pos, "bad frame header");
    samples += header->samples;
    const bool last = si.total_samples != 0 && samples >= si.total_samples;
    // The frame's end: CRC-16 over it (stored CRC included) is zero there, and, unless this is
    // the last frame, the next frame header starts there.
    std::uint16_t crc = 0;
    const std::uint64_t limit = pos + max_frame;
    std::uint64_t p = pos, end = 0;
    while (p < limit) {
      auto w = v.window(p, limit - p);
      bool found = false;
      for (std::size_t i = 0; i < w.size(); ++i) {
        crc = static_cast<std::uint16_t>((crc << 8) ^ crc16_table[((crc >> 8) ^ std::to_integer<unsigned>(w[i])) & 0xFF]);
        const std::uint64_t at = p + i + 1;
        if (crc != 0 || at < pos + header->length + 2) continue;
        if (last || (v.has(at, 2) && v.u8(at) == 0xFF && frame_header(v, at, si, strategy))) {
          end = at;
          found = true;
          break;
        }
      }
      if (found) break;
      p += w.size();
    }
    if (!end) return corrupt(pos, "frame longer than any FLAC frame");
    pos = end;
    if (last) return samples == si.total_samples ? valid(pos) : corrupt(pos, "more samples than STREAMINFO says");
  }
}

}  // namespace

const CarverSpec flac_spec{"flac", "flac", "FLAC lossless audio", 2ull << 30, signatures, walk};

}  // namespace trawl::carvers
