// MD5 (RFC 1321), host and device. MD5 is Merkle–Damgård with little-endian words and length.
#pragma once

#include <cstdint>

#include "kernels/hd.hpp"
#include "kernels/md_base.hpp"

namespace trawl::kernels {

struct Md5 : MdBase<Md5> {
  static constexpr uint32_t block_size = 64;
  static constexpr uint32_t digest_size = 16;
  static constexpr ByteOrder byte_order = ByteOrder::little;

 private:
  friend class MdBase<Md5>;

  uint32_t state_[4];

  TRAWL_HD_INLINE void init_state() {
    state_[0] = 0x67452301u;
    state_[1] = 0xefcdab89u;
    state_[2] = 0x98badcfeu;
    state_[3] = 0x10325476u;
  }

  TRAWL_HD_INLINE void compress(const uint32_t (&m)[16]) {
    // K[i] = floor(2^32 * |sin(i + 1)|).
    constexpr uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391};
    // Rotation amounts: four per round, repeating within the round.
    constexpr uint32_t S[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    TRAWL_UNROLL
    for (int i = 0; i < 64; ++i) {
      uint32_t f;
      int g;  // message word used by step i
      if (i < 16) {
        f = d ^ (b & (c ^ d));  // F = (b & c) | (~b & d)
        g = i;
      } else if (i < 32) {
        f = c ^ (d & (b ^ c));  // G = (b & d) | (c & ~d)
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;  // H
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);  // I
        g = (7 * i) & 15;
      }
      const uint32_t next_b = b + detail::rotl32(a + f + K[i] + m[g], S[(i >> 4) * 4 + (i & 3)]);
      a = d;
      d = c;
      c = b;
      b = next_b;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
  }
};

}  // namespace trawl::kernels
