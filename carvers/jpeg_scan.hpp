// JPEG entropy-coded data, decoded far enough to validate it: the Huffman codes of every block
// of every MCU, the coefficient count of each block, the restart markers in sequence, and the
// number of MCUs the frame header implies. Only the DC coefficients are computed (for the
// continuity check of reassemble.cpp); AC values are skipped. Sequential Huffman
// frames only (SOF0, SOF1); a progressive or arithmetic-coded scan is not decoded.
//
// The decoder state is a small value (a checkpoint when copied at an MCU boundary). Reads go
// through any type with `std::uint8_t u8(std::uint64_t) const` (a ByteView).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "carvers/byte_view.hpp"
#include "carvers/carver.hpp"

namespace trawl::carvers {

struct JpegHuffman {
  std::array<std::int32_t, 17> maxcode{};  // per code length 1..16; -1: no code of that length
  std::array<std::int32_t, 17> valptr{};
  std::array<std::int32_t, 17> mincode{};
  std::array<std::uint8_t, 256> values{};
  bool defined = false;
  // From a DHT table's 16 counts and its values; false when the counts do not make a prefix code.
  bool build(std::span<const std::uint8_t, 16> counts, std::span<const std::uint8_t> vals);
};

struct JpegScanSetup {
  unsigned precision = 8;
  std::uint64_t mcus = 0;   // MCUs in the scan
  std::uint64_t mcus_per_row = 0;  // MCUs across the image (one component alone: its blocks across)
  unsigned restart_interval = 0;
  unsigned count = 0;        // components in the scan
  std::array<unsigned, 4> blocks{};  // blocks per MCU of each scan component
  std::array<unsigned, 4> h{}, v{};  // ... as h across by v down (1 x 1 in a scan of one component)
  std::array<unsigned, 4> dc{}, ac{};  // each scan component's tables in `tables`
  std::array<JpegHuffman, 8> tables;   // DC 0-3, AC 4-7, as defined when the scan starts
};

struct JpegDecoder {
  std::uint64_t pos = 0;   // the next byte to read
  std::uint32_t bits = 0;  // bits read but not used, in the low `nbits` bits
  unsigned nbits = 0;
  std::uint64_t mcu = 0;   // MCUs decoded
  unsigned next_restart = 0;
  std::array<std::int32_t, 4> pred{};  // DC predictor of each scan component (reset at a restart)

  enum Step { ok, fault };

  template <class Reader>
  int byte(const Reader& r) {
    const unsigned b = r.u8(pos);
    if (b != 0xFF) {
      ++pos;
      return static_cast<int>(b);
    }
    if (r.u8(pos + 1) == 0x00) {
      pos += 2;
      return 0xFF;
    }
    return -1;  // a marker: the entropy-coded data ends here
  }
  template <class Reader>
  int bit(const Reader& r) {
    if (nbits == 0) {
      const int b = byte(r);
      if (b < 0) return -1;
      bits = static_cast<std::uint32_t>(b);
      nbits = 8;
    }
    --nbits;
    return static_cast<int>((bits >> nbits) & 1);
  }
  template <class Reader>
  int huffman(const Reader& r, const JpegHuffman& h) {
    std::int32_t code = 0;
    for (unsigned l = 1; l <= 16; ++l) {
      const int b = bit(r);
      if (b < 0) return -1;
      code = (code << 1) | b;
      if (code <= h.maxcode[l]) return h.values[static_cast<std::size_t>(h.valptr[l] + code - h.mincode[l]) & 0xFF];
    }
    return -1;  // no such code
  }
  template <class Reader>
  bool receive(const Reader& r, unsigned n) {
    for (unsigned i = 0; i < n; ++i)
      if (bit(r) < 0) return false;
    return true;
  }

  // The next n bits (1..16) as a signed coefficient value (the JPEG EXTEND rule).
  template <class Reader>
  bool value(const Reader& r, unsigned n, std::int32_t& out) {
    std::int32_t x = 0;
    for (unsigned i = 0; i < n; ++i) {
      const int b = bit(r);
      if (b < 0) return false;
      x = (x << 1) | b;
    }
    out = x < (std::int32_t{1} << (n - 1)) ? x - (std::int32_t{1} << n) + 1 : x;
    return true;
  }

  // Decodes one MCU (and the restart marker after it, when one is due). `fault` on a bad code,
  // more than 64 coefficients in a block, data that ends early, or a restart out of sequence.
  // `dc`, when given, receives each block's DC coefficient (quantized), in the MCU's block order.
  template <class Reader>
  Step step(const Reader& r, const JpegScanSetup& s, std::int32_t* dc = nullptr) {
    const unsigned dc_max = s.precision == 8 ? 11 : 15, ac_max = s.precision == 8 ? 10 : 14;
    for (unsigned c = 0; c < s.count; ++c)
      for (unsigned b = 0; b < s.blocks[c]; ++b) {
        const int t = huffman(r, s.tables[s.dc[c]]);
        if (t < 0 || static_cast<unsigned>(t) > dc_max) return fault;
        std::int32_t diff = 0;
        if (t > 0 && !value(r, static_cast<unsigned>(t), diff)) return fault;
        pred[c] = static_cast<std::int32_t>(static_cast<std::uint32_t>(pred[c]) + static_cast<std::uint32_t>(diff));  // wraps on garbage
        if (dc) *dc++ = pred[c];
        for (unsigned k = 1; k < 64;) {
          const int rs = huffman(r, s.tables[s.ac[c]]);
          if (rs < 0) return fault;
          const unsigned run = static_cast<unsigned>(rs) >> 4, size = static_cast<unsigned>(rs) & 15;
          if (size == 0) {
            if (run != 15) break;  // end of block
            k += 16;
            if (k > 64) return fault;
            continue;
          }
          k += run;
          if (k > 63 || size > ac_max || !receive(r, size)) return fault;
          ++k;
        }
      }
    ++mcu;
    if (s.restart_interval && mcu % s.restart_interval == 0 && mcu < s.mcus) {
      nbits = 0;  // the rest of the byte is padding
      std::uint64_t at = pos;
      if (r.u8(at) != 0xFF) return fault;
      while (r.u8(at) == 0xFF) ++at;
      if (r.u8(at) != 0xD0 + next_restart) return fault;
      next_restart = (next_restart + 1) & 7;
      pos = at + 1;
      pred = {};
    }
    return ok;
  }
};

// The sequential scan a JPEG walk decoded last (the one where it stopped, for a corrupt verdict).
struct JpegScanAt {
  JpegScanSetup setup;
  std::uint64_t data = 0;  // its first entropy-coded byte
};

// The JPEG walk (jpeg_spec.walk), also giving the last sequential scan it began to decode.
Carve jpeg_walk(const ByteView& v, std::optional<JpegScanAt>* last);

}  // namespace trawl::carvers
