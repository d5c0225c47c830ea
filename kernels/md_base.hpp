// CRTP base for the Merkle–Damgård hashes (MD5, SHA-1, SHA-256): everything but the compression
// function. Usable in host and device code alike (see hd.hpp).
//
// A variant derives as `struct Sha1 : MdBase<Sha1>` and provides only
//   static constexpr uint32_t  block_size;    // bytes per compression block; must be 64
//   static constexpr uint32_t  digest_size;   // bytes of output = 4 * number of state words
//   static constexpr ByteOrder byte_order;    // order of message words, length field and digest
//   uint32_t state_[digest_size / 4];         // chaining value
//   void init_state();                        // load the initial chaining value
//   void compress(uint32_t (&w)[16]);         // absorb one block given as 16 decoded words;
//                                             // may clobber w (used as the message schedule)
// The hooks may be private if the variant befriends MdBase<Variant>.
//
// The base decodes input bytes into words itself, with byte loads only, so input pointers need
// no alignment and the compression functions never see raw bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/hd.hpp"

namespace trawl::kernels {

enum class ByteOrder { little, big };

namespace detail {

TRAWL_HD_INLINE constexpr uint32_t rotl32(uint32_t x, uint32_t n) {
  return (x << n) | (x >> ((32u - n) & 31u));
}

TRAWL_HD_INLINE constexpr uint32_t rotr32(uint32_t x, uint32_t n) {
  return (x >> n) | (x << ((32u - n) & 31u));
}

template <ByteOrder Order>
TRAWL_HD_INLINE constexpr uint32_t load_u32(const unsigned char* p) {
  if constexpr (Order == ByteOrder::big) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
  } else {
    return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | uint32_t{p[0]};
  }
}

template <ByteOrder Order>
TRAWL_HD_INLINE constexpr void store_u32(unsigned char* p, uint32_t v) {
  TRAWL_UNROLL
  for (int k = 0; k < 4; ++k) {
    const int shift = Order == ByteOrder::big ? 24 - 8 * k : 8 * k;
    p[k] = static_cast<unsigned char>(v >> shift);
  }
}

}  // namespace detail

template <class Derived>
class MdBase {
 public:
  // Starts a new message. Must be called before the first update(); the object holds garbage until
  // then (it is deliberately trivial so that it can live in registers and kernel parameters).
  TRAWL_HD_INLINE void init() {
    buffered_ = 0;
    total_ = 0;
    self().init_state();
  }

  // Appends n bytes. p may be unaligned, and null when n == 0.
  TRAWL_HD_INLINE void update(const unsigned char* p, size_t n) {
    total_ += n;
    while (n != 0) {
      const unsigned char* block;
      if (buffered_ == 0 && n >= kBlock) {
        // Whole block straight from the input: no copy.
        block = p;
        p += kBlock;
        n -= kBlock;
      } else {
        const size_t room = kBlock - buffered_;
        const uint32_t take = static_cast<uint32_t>(n < room ? n : room);
        for (uint32_t i = 0; i < take; ++i) buf_[buffered_ + i] = p[i];
        buffered_ += take;
        p += take;
        n -= take;
        if (buffered_ < kBlock) break;  // n == 0 here
        block = buf_;
        buffered_ = 0;
      }
      uint32_t w[16];
      load_words(block, w);
      self().compress(w);
    }
  }

  // Writes Derived::digest_size bytes to out. The object must be init()ed again before reuse.
  TRAWL_HD_INLINE void final(unsigned char* out) {
    const uint32_t blocks = padding_blocks(buffered_);
    for (uint32_t b = 0; b < blocks; ++b) {
      uint32_t w[16];
      padded_words(buf_, buffered_, b * kBlock, b + 1 == blocks, total_, w);
      self().compress(w);
    }
    store_digest(out);
  }

  // One-shot hash of p[0, n) into out[0, Derived::digest_size). Equivalent to init/update/final,
  // but never copies the input: data blocks are decoded from p, and the padded tail is assembled
  // in registers. All blocks, data and padding, share one call site so that the unrolled
  // compression function is inlined once.
  TRAWL_HD_INLINE static void digest(const unsigned char* p, size_t n, unsigned char* out) {
    Derived h;
    h.init_state();
    const uint64_t full = n / kBlock;
    const uint32_t rem = static_cast<uint32_t>(n % kBlock);
    const uint64_t blocks = full + padding_blocks(rem);
    for (uint64_t b = 0; b < blocks; ++b) {
      uint32_t w[16];
      if (b < full) {
        load_words(p + b * kBlock, w);
      } else {
        const uint32_t offset = static_cast<uint32_t>(b - full) * kBlock;
        padded_words(p + full * kBlock, rem, offset, b + 1 == blocks, n, w);
      }
      h.compress(w);
    }
    h.store_digest(out);
  }

 private:
  static constexpr uint32_t kBlock = 64;
  static constexpr uint32_t kLengthOffset = kBlock - 8;  // the 64-bit length ends the last block

  TRAWL_HD_INLINE Derived& self() {
    static_assert(Derived::block_size == kBlock, "MdBase handles 64-byte blocks only");
    static_assert(Derived::digest_size % 4 == 0, "the digest is the state words, serialized");
    return static_cast<Derived&>(*this);
  }

  // Blocks still to compress at final() when rem < 64 bytes are pending: the 0x80 marker and the
  // 8-byte length must both fit after them.
  TRAWL_HD_INLINE static constexpr uint32_t padding_blocks(uint32_t rem) {
    return rem < kLengthOffset ? 1 : 2;
  }

  TRAWL_HD_INLINE static void load_words(const unsigned char* block, uint32_t (&w)[16]) {
    TRAWL_UNROLL
    for (int j = 0; j < 16; ++j) w[j] = detail::load_u32<Derived::byte_order>(block + 4 * j);
  }

  // Decoded words of the padded tail block that starts offset (0 or 64) bytes past tail, where
  // tail[0, rem) are the message bytes not yet compressed (rem < 64). The padded tail is those
  // bytes, 0x80, zeros, and, at the end of the last block, the message length in bits (mod 2^64)
  // in the variant's byte order. Reads only tail[0, rem).
  TRAWL_HD_INLINE static void padded_words(const unsigned char* tail, uint32_t rem, uint32_t offset,
                                           bool last, uint64_t total_bytes, uint32_t (&w)[16]) {
    TRAWL_UNROLL
    for (uint32_t j = 0; j < 16; ++j) {
      unsigned char bytes[4];
      TRAWL_UNROLL
      for (uint32_t k = 0; k < 4; ++k) {
        const uint32_t pos = offset + 4 * j + k;
        bytes[k] = pos < rem ? tail[pos] : static_cast<unsigned char>(pos == rem ? 0x80 : 0);
      }
      w[j] = detail::load_u32<Derived::byte_order>(bytes);
    }
    if (last) {
      const uint64_t bits = total_bytes << 3;
      const uint32_t lo = static_cast<uint32_t>(bits);
      const uint32_t hi = static_cast<uint32_t>(bits >> 32);
      const bool big = Derived::byte_order == ByteOrder::big;
      w[14] = big ? hi : lo;
      w[15] = big ? lo : hi;
    }
  }

  TRAWL_HD_INLINE void store_digest(unsigned char* out) {
    TRAWL_UNROLL
    for (uint32_t i = 0; i < Derived::digest_size / 4; ++i)
      detail::store_u32<Derived::byte_order>(out + 4 * i, self().state_[i]);
  }

  unsigned char buf_[kBlock];  // pending bytes of the current block: [0, buffered_)
  uint32_t buffered_;          // < kBlock between calls
  uint64_t total_;             // message length so far, in bytes
};

}  // namespace trawl::kernels
