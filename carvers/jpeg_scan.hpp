// JPEG entropy-coded data, decoded far enough to validate it: the Huffman codes of every block
// of every MCU, the coefficient count of each block, the restart markers in sequence, and the
// number of MCUs the frame header implies. Coefficients are not computed. Sequential Huffman
// frames only (SOF0, SOF1); a progressive or arithmetic-coded scan is not decoded.
//
// The decoder state is a small value (a checkpoint when copied at an MCU boundary). Reads go
// through any type with `std::uint8_t u8(std::uint64_t) const` (a ByteView).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "carvers/byte_view.hpp"

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
  unsigned restart_interval = 0;
  unsigned count = 0;        // components in the scan
  std::array<unsigned, 4> blocks{};  // blocks per MCU of each scan component
  std::array<unsigned, 4> dc{}, ac{};  // each scan component's tables in `tables`
  std::array<JpegHuffman, 8> tables;   // DC 0-3, AC 4-7, as defined when the scan starts
};

struct JpegDecoder {
  std::uint64_t pos = 0;   // the next byte to read
  std::uint32_t bits = 0;  // bits read but not used, in the low `nbits` bits
  unsigned nbits = 0;
  std::uint64_t mcu = 0;   // MCUs decoded
  unsigned next_restart = 0;

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

  // Decodes one MCU (and the restart marker after it, when one is due). `fault` on a bad code,
  // more than 64 coefficients in a block, data that ends early, or a restart out of sequence.
  template <class Reader>
  Step step(const Reader& r, const JpegScanSetup& s) {
    const unsigned dc_max = s.precision == 8 ? 11 : 15, ac_max = s.precision == 8 ? 10 : 14;
    for (unsigned c = 0; c < s.count; ++c)
      for (unsigned b = 0; b < s.blocks[c]; ++b) {
        const int t = huffman(r, s.tables[s.dc[c]]);
        if (t < 0 || static_cast<unsigned>(t) > dc_max || !receive(r, static_cast<unsigned>(t))) return fault;
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
    }
    return ok;
  }
};

}  // namespace trawl::carvers
