// FLAC: "fLaC", metadata blocks up to the one flagged last (STREAMINFO first), then frames. A
// frame header starts with the sync 0xFFF8/0xFFF9, is checked field by field and by its CRC-8,
// and the frame is read to its end (every subframe: constant, verbatim, fixed or LPC with its
// Rice-coded residual), where the CRC-16 over the frame, stored CRC included, must be zero.
// The file ends when the frames hold STREAMINFO's total sample count, or, where STREAMINFO has
// none (a stream written without seeking back), after the last frame that another frame header
// does not follow.
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
  unsigned channel_code;  // 0-7: independent channels, 8-10: left/side, side/right, mid/side
  unsigned bits;          // bits per sample
};

// Reads bits most significant first from a view position on. Every read goes through the view
// (a read past its end throws EndOfView).
class BitReader {
 public:
  BitReader(const ByteView& v, std::uint64_t pos) : v_(v), pos_(pos) {}
  std::uint64_t read(unsigned n) {
    std::uint64_t r = 0;
    for (unsigned i = 0; i < n; ++i) {
      r = r << 1 | ((v_.u8(pos_) >> (7 - bit_)) & 1u);
      if (++bit_ == 8) bit_ = 0, ++pos_;
    }
    return r;
  }
  // Zero bits up to the next one bit (consumed); nullopt past `limit` zeros.
  std::optional<std::uint64_t> unary(std::uint64_t limit) {
    std::uint64_t n = 0;
    for (;;) {
      if (bit_ == 0) {
        while (v_.u8(pos_) == 0) {  // whole zero bytes at once
          n += 8, ++pos_;
          if (n > limit) return std::nullopt;
        }
      }
      if (read(1)) return n;
      if (++n > limit) return std::nullopt;
    }
  }
  // Skips to the next byte boundary; false when the skipped bits are not zero.
  bool align() {
    if (bit_ == 0) return true;
    return read(8 - bit_) == 0;
  }
  std::uint64_t byte_pos() const { return pos_; }

 private:
  const ByteView& v_;
  std::uint64_t pos_;
  unsigned bit_ = 0;
};

// Reads a subframe's residual (the partitioned Rice codes); false when it cannot be one.
bool skip_residual(BitReader& r, std::uint64_t block, unsigned order) {
  const unsigned method = static_cast<unsigned>(r.read(2));
  if (method > 1) return false;
  const unsigned param_bits = method == 0 ? 4 : 5, escape = method == 0 ? 15 : 31;
  const unsigned partition_order = static_cast<unsigned>(r.read(4));
  const std::uint64_t partitions = std::uint64_t{1} << partition_order;
  if (block % partitions != 0 || (block >> partition_order) < order) return false;
  for (std::uint64_t p = 0; p < partitions; ++p) {
    const std::uint64_t n = (block >> partition_order) - (p == 0 ? order : 0);
    const unsigned param = static_cast<unsigned>(r.read(param_bits));
    if (param == escape) {
      const unsigned raw = static_cast<unsigned>(r.read(5));
      for (std::uint64_t i = 0; i < n; ++i) r.read(raw);
      continue;
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!r.unary(std::uint64_t{1} << 20)) return false;
      r.read(param);
    }
  }
  return true;
}

// Reads one subframe of `bits` bits per sample; false when it cannot be one.
bool skip_subframe(BitReader& r, std::uint64_t block, unsigned bits) {
  if (r.read(1) != 0) return false;
  const unsigned type = static_cast<unsigned>(r.read(6));
  if (r.read(1)) {  // wasted bits per sample: unary, plus one
    const auto k = r.unary(32);
    if (!k || *k + 1 >= bits) return false;
    bits -= static_cast<unsigned>(*k + 1);
  }
  if (type == 0) {  // CONSTANT
    r.read(bits);
    return true;
  }
  if (type == 1) {  // VERBATIM
    for (std::uint64_t i = 0; i < block; ++i) r.read(bits);
    return true;
  }
  if (type >= 8 && type <= 12) {  // FIXED, order 0-4
    const unsigned order = type - 8;
    for (unsigned i = 0; i < order; ++i) r.read(bits);
    return skip_residual(r, block, order);
  }
  if (type >= 32) {  // LPC, order 1-32
    const unsigned order = type - 31;
    for (unsigned i = 0; i < order; ++i) r.read(bits);
    const unsigned precision = static_cast<unsigned>(r.read(4)) + 1;
    if (precision == 16) return false;
    r.read(5);  // shift
    for (unsigned i = 0; i < order; ++i) r.read(precision);
    return skip_residual(r, block, order);
  }
  return false;
}

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
  return FrameHeader{p + 1 - pos, samples, channel_code, size_code ? bits_of[size_code] : si.bits};
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
    // The frame's end: its subframes read bit by bit (one per channel, the side channel one bit
    // wider), zero padding to a byte, then the CRC-16, which over the whole frame (stored CRC
    // included) must come to zero.
    BitReader r(v, pos + header->length);
    const unsigned channels = header->channel_code < 8 ? header->channel_code + 1 : 2;
    for (unsigned ch = 0; ch < channels; ++ch) {
      const bool side = (header->channel_code == 8 && ch == 1) || (header->channel_code == 9 && ch == 0) ||
                        (header->channel_code == 10 && ch == 1);
      if (!skip_subframe(r, header->samples, header->bits + (side ? 1 : 0))) return corrupt(pos, "a subframe that is not one");
    }
    if (!r.align()) return corrupt(pos, "frame padding is not zero");
    const std::uint64_t end = r.byte_pos() + 2;
    if (end - pos > max_frame) return corrupt(pos, "frame longer than any FLAC frame");
    std::uint16_t crc = 0;
    for (std::uint64_t p = pos; p < end;) {
      auto w = v.window(p, end - p);
      for (auto b : w) crc = static_cast<std::uint16_t>((crc << 8) ^ crc16_table[((crc >> 8) ^ std::to_integer<unsigned>(b)) & 0xFF]);
      p += w.size();
    }
    if (crc != 0) return corrupt(pos, "frame CRC-16 mismatch");
    pos = end;
    if (last) return samples == si.total_samples ? valid(pos) : corrupt(pos, "more samples than STREAMINFO says");
    if (si.total_samples == 0 && !frame_header(v, pos, si, strategy)) return valid(pos);
  }
}

}  // namespace

const CarverSpec flac_spec{"flac", "flac", "FLAC lossless audio", 2ull << 30, signatures, walk};

}  // namespace trawl::carvers
