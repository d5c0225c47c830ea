// The identifier prefilter: marks the windows of a buffer that may hold an identifier, so that
// Hyperscan scans only those (when a device computes the marks). A window is marked when a
// trigger *starts* in it; every built-in rule's matches contain one (rules/README.md):
//   digits  6 ASCII digits within 16 bytes, 6 UTF-16 digits (d 00 LE, 00 d BE) within 32 bytes,
//           6 full-width digits within 48 bytes (UTF-8 EF BC 90..99) or 32 bytes (UTF-16 10..19 FF
//           LE, FF 10..19 BE)
//   at      '@' (in every form), full-width '＠' (EF BC A0 / 20 FF / FF 20)
//   scheme  "://" and its UTF-16 forms
//   uuid    '-' at the positions of a UUID's hyphens (ASCII: +5, +10, +15; UTF-16: +10, +20, +30)
// A trigger may run past its window's end (it is read up to the end of the data).
#pragma once

#include <cstdint>

#include "kernels/hd.hpp"

namespace trawl::kernels {

// One item is one stripe of `stripe_bytes` (a whole fraction of the window): it looks for a
// trigger starting in its stripe and, on finding one, sets its window's mark to 1. Items only
// ever write 1, so stripes of one window may run in any order, or at once, with the same result;
// the caller zeroes the marks first. Stripes rather than whole windows: a 16 MiB page is 262,144
// items instead of 4,096 windows, enough to fill a GPU (measured on an H200, 2026-12-04: one
// thread per 4 KiB window ran at 17 GB/s, slower than the page's copy).
struct IdentifierPrefilterItem {
  static constexpr uint32_t stripe_bytes = 64;

  const unsigned char* data;
  uint64_t data_len;
  uint32_t window;     // bytes per window: a multiple of stripe_bytes
  uint8_t* marks;      // windows() of them, zeroed by the caller: 1 = scan it

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
    if (c == 0 && ascii_digit(at(i + 1))) {  // UTF-16BE: the high byte first
      int n = 0;
      for (uint64_t k = i; k < i + 32; k += 2) n += at(k) == 0 && ascii_digit(at(k + 1));
      if (n >= 6) return true;
    }
    if (c == 0xFF && at(i + 1) >= 0x10 && at(i + 1) <= 0x19) {
      int n = 0;
      for (uint64_t k = i; k < i + 32; ++k) n += at(k) == 0xFF && at(k + 1) >= 0x10 && at(k + 1) <= 0x19;
      if (n >= 6) return true;
    }
    return false;
  }

  TRAWL_HD_INLINE bool trigger_at(uint64_t i) const {
    const unsigned char c = at(i);
    if (c == '@') return true;
    if (c == 0xEF && at(i + 1) == 0xBC && at(i + 2) == 0xA0) return true;  // full-width @, UTF-8
    if (c == 0x20 && at(i + 1) == 0xFF) return true;                       // full-width @, UTF-16LE
    if (c == 0xFF && at(i + 1) == 0x20) return true;                       // full-width @, UTF-16BE
    if (c == 0 && at(i + 1) == ':' && at(i + 2) == 0 && at(i + 3) == '/' && at(i + 4) == 0 && at(i + 5) == '/')
      return true;  // "://", UTF-16BE
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

  TRAWL_HD_INLINE void operator()(uint64_t stripe) const {
    const uint64_t begin = stripe * stripe_bytes;
    if (begin >= data_len) return;
    const uint64_t end = begin + stripe_bytes < data_len ? begin + stripe_bytes : data_len;
    for (uint64_t i = begin; i < end; ++i)
      if (trigger_at(i)) {
        marks[begin / window] = 1;
        return;
      }
  }

  // Items (stripes) to launch, and marks (windows) to zero and read back.
  TRAWL_HD_INLINE constexpr uint64_t count() const { return (data_len + stripe_bytes - 1) / stripe_bytes; }
  TRAWL_HD_INLINE constexpr uint64_t windows() const { return (data_len + window - 1) / window; }
  TRAWL_HD_INLINE static constexpr bool valid_window(uint32_t w) { return w != 0 && w % stripe_bytes == 0; }
};

}  // namespace trawl::kernels
