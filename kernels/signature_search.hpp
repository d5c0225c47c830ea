// Signature search: the functor behind the signature kernel (see launch.hpp), and the predicate
// it shares with the host.
//
// The candidates are file starts s in [0, starts) of a chunk (its page). Item i covers the 64
// starts [64 i, 64 i + 64) and writes one word to out[i]: bit b is set when start 64 i + b matches
// at least one signature of the table (and is aligned). Which signatures matched is recomputed on
// the host with the same predicate, for the few set bits only, so the device returns page/8 bytes
// per page and every result is independent of the grid and the order of items.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/hd.hpp"

namespace trawl::kernels {

// One signature: `len` bytes compared under `mask` at `offset` bytes from the file start.
struct SignaturePattern {
  unsigned char bytes[16];
  unsigned char mask[16];  // 0xFF: must equal; 0x00: any byte
  uint8_t len;             // 1..16
  uint16_t offset;         // where the bytes lie from the file's first byte
  uint16_t format;         // the caller's format number
  uint16_t align;          // >= 1: only file starts at absolute offsets that are multiples of this
};

inline constexpr uint32_t max_signatures = 48;

// The whole table travels by value as a kernel parameter (well under the 4 KiB limit).
struct SignatureTable {
  uint32_t count = 0;
  SignaturePattern patterns[max_signatures];
};
static_assert(sizeof(SignatureTable) <= 4096, "kernel parameters are limited to 4 KiB");

// The one masked comparison of signature bytes, on the device, in the host search and in
// reassembly (carvers::matches_at): data[j] equals bytes[j] wherever mask[j] has bits set, for
// every j < len. mask == nullptr: every byte must equal.
TRAWL_HD_INLINE bool masked_equal(const unsigned char* data, const unsigned char* bytes, const unsigned char* mask,
                                  uint32_t len) {
  for (uint32_t j = 0; j < len; ++j) {
    const unsigned char m = mask ? mask[j] : 0xFF;
    if ((data[j] & m) != (bytes[j] & m)) return false;
  }
  return true;
}

// True when signature k lies wholly inside data[0, data_len) at start + offset and matches.
TRAWL_HD_INLINE bool signature_matches(const SignaturePattern& p, const unsigned char* data, uint64_t data_len,
                                       uint64_t start) {
  const uint64_t at = start + p.offset;
  if (at > data_len || p.len > data_len - at) return false;
  return masked_equal(data + at, p.bytes, p.mask, p.len);
}

// True when a file may start at this absolute image offset for pattern p (its own alignment).
TRAWL_HD_INLINE bool signature_aligned(const SignaturePattern& p, uint64_t absolute) {
  return p.align <= 1 || absolute % p.align == 0;
}

struct SignatureStripeItem {
  SignatureTable table;
  const unsigned char* data;  // chunk bytes from the page start: page, then margin
  uint64_t data_len;          // page + margin bytes present
  uint64_t starts;            // page length: starts in [0, starts) belong to this chunk
  uint64_t base;              // absolute image offset of data[0], for the alignment test
  uint32_t align;             // >= 1: only starts whose absolute offset is a multiple count
  uint64_t* out;              // count() words

  TRAWL_HD_INLINE constexpr uint64_t count() const { return (starts + 63) / 64; }

  TRAWL_HD_INLINE void operator()(uint64_t i) const {
    uint64_t word = 0;
    for (uint32_t b = 0; b < 64; ++b) {
      const uint64_t s = i * 64 + b;
      if (s >= starts) break;
      if (align > 1 && (base + s) % align != 0) continue;
      for (uint32_t k = 0; k < table.count; ++k) {
        if (signature_aligned(table.patterns[k], base + s) && signature_matches(table.patterns[k], data, data_len, s)) {
          word |= uint64_t{1} << b;
          break;
        }
      }
    }
    out[i] = word;
  }
};

}  // namespace trawl::kernels
