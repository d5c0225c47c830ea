// SHA-1 (FIPS 180-4), host and device.
#pragma once

#include <cstdint>

#include "kernels/hd.hpp"
#include "kernels/md_base.hpp"

namespace trawl::kernels {

struct Sha1 : MdBase<Sha1> {
  static constexpr uint32_t block_size = 64;
  static constexpr uint32_t digest_size = 20;
  static constexpr ByteOrder byte_order = ByteOrder::big;

 private:
  friend class MdBase<Sha1>;

  uint32_t state_[5];

  TRAWL_HD_INLINE void init_state() {
    state_[0] = 0x67452301u;
    state_[1] = 0xefcdab89u;
    state_[2] = 0x98badcfeu;
    state_[3] = 0x10325476u;
    state_[4] = 0xc3d2e1f0u;
  }

  // w holds the 16 message words on entry and serves as a rolling 16-entry message schedule
  // (W[t] overwrites W[t-16]), which keeps the schedule in registers instead of an 80-word array.
  TRAWL_HD_INLINE void compress(uint32_t (&w)[16]) {
    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
    TRAWL_UNROLL
    for (int t = 0; t < 80; ++t) {
      if (t >= 16) {
        w[t & 15] = detail::rotl32(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
      }
      uint32_t f, k;
      if (t < 20) {
        f = d ^ (b & (c ^ d));  // Ch
        k = 0x5a827999u;
      } else if (t < 40) {
        f = b ^ c ^ d;  // Parity
        k = 0x6ed9eba1u;
      } else if (t < 60) {
        f = (b & c) | (d & (b | c));  // Maj
        k = 0x8f1bbcdcu;
      } else {
        f = b ^ c ^ d;  // Parity
        k = 0xca62c1d6u;
      }
      const uint32_t next_a = detail::rotl32(a, 5) + f + e + k + w[t & 15];
      e = d;
      d = c;
      c = detail::rotl32(b, 30);
      b = a;
      a = next_a;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
  }
};

}  // namespace trawl::kernels
