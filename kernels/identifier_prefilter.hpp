// The identifier prefilter: marks the windows of a buffer that may hold an identifier, so that
// Hyperscan scans only those (when a device computes the marks). A window is marked when a
// trigger *starts* in it; every built-in rule's matches contain one (rules/README.md):
//   digits  6 ASCII digits within 16 bytes, 6 UTF-16LE digits (d 00) within 32 bytes,
//           6 full-width digits within 48 bytes (UTF-8 EF BC 90..99) or 32 bytes (UTF-16LE 10..19 FF)
//   at      '@' (also its UTF-16LE form), full-width '＠' (EF BC A0 / 20 FF)
//   scheme  "://" and its UTF-16LE form
//   uuid    '-' at the positions of a UUID's hyphens (ASCII: +5, +10, +15; UTF-16LE: +10, +20, +30)
// A trigger may run past its window's end (it is read up to the end of the data).
#pragma once

#include <cstdint>

#include "kernels/hd.hpp"

namespace trawl::kernels {

struct IdentifierPrefilterItem {
  const unsigned char* data;
  uint64_t data_len;
  uint32_t window;     // bytes per window
  uint8_t* marks;      // one per window: 1 = scan it

  TRAWL_HD_INLINE static bool ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }

  TRAWL_HD_INLINE unsigned char at(uint64_t i) const { return i < data_len ? data[i] : 0; }

  // Counts occurrences of a unit-sized digit form that starts in [i, i + span) by stepping `step`.
  TRAWL_HD_INLINE bool digits_from(uint64_t i) const {
    unsigned char c = at(i);
    if (ascii_digit(c)) {
      int n = 0;
      for (uint64_t k = i; k < i + 16; ++k) n += ascii_digit(at(k));
      if (n >= 6) return true;
      if (at(i + 1) == 0) {  // UTF-16LE: digit units at even distances
        n = 0;
        for (uint64_t k = i; k < i + 32; k += 2) n += ascii_digit(at(k)) && at(k + 1) == 0;
        if (n >= 6) return true;
      }
    }
    if (c == 0xEF && at(i + 1) == 0xBC && at(i + 2) >= 0x90 && at(i + 2) <= 0x99) {
      int n = 0;
      for (uint64_t k = i; k + 2 < i + 48; ++k) n += at(k) == 0xEF && at(k + 1) == 0xBC && at(k + 2) >= 0x90 && at(k + 2) <= 0x99;
      if (n >= 6) return true;
    }
    if (c >= 0x10 && c <= 0x19 && at(i + 1) == 0xFF) {
      int n = 0;
      for (uint64_t k = i; k < i + 32; ++k) n += at(k) >= 0x10 && at(k) <= 0x19 && at(k + 1) == 0xFF;
      if (n >= 6) return true;
    }
    return false;
  }

  TRAWL_HD_INLINE bool trigger_at(uint64_t i) const {
    const unsigned char c = at(i);
    if (c == '@') return true;
    if (c == 0xEF && at(i + 1) == 0xBC && at(i + 2) == 0xA0) return true;  // full-width @, UTF-8
    if (c == 0x20 && at(i + 1) == 0xFF) return true;                       // full-width @, UTF-16LE
    if (c == ':') {
      if (at(i + 1) == '/' && at(i + 2) == '/') return true;
      if (at(i + 1) == 0 && at(i + 2) == '/' && at(i + 3) == 0 && at(i + 4) == '/' && at(i + 5) == 0) return true;
    }
    if (c == '-') {
      if (at(i + 5) == '-' && at(i + 10) == '-' && at(i + 15) == '-') return true;
      if (at(i + 1) == 0 && at(i + 10) == '-' && at(i + 20) == '-' && at(i + 30) == '-') return true;
    }
    return digits_from(i);
  }

  TRAWL_HD_INLINE void operator()(uint64_t w) const {
    const uint64_t begin = w * window;
    if (begin >= data_len) return;
    const uint64_t end = begin + window < data_len ? begin + window : data_len;
    uint8_t mark = 0;
    for (uint64_t i = begin; i < end && !mark; ++i) mark = trigger_at(i) ? 1 : 0;
    marks[w] = mark;
  }

  TRAWL_HD_INLINE constexpr uint64_t count() const { return (data_len + window - 1) / window; }
};

}  // namespace trawl::kernels
