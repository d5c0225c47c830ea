// XXH64 (xxHash 64-bit, as in libxxhash's XXH64()), host and device.
//
// The digest bytes are the canonical big-endian form of the 64-bit value, as written by
// XXH64_canonicalFromHash, so their hex equals `xxhsum -H1`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/hd.hpp"

namespace trawl::kernels {

namespace detail {

TRAWL_HD_INLINE constexpr uint64_t rotl64(uint64_t x, uint32_t n) {
  return (x << n) | (x >> ((64u - n) & 63u));
}

// Little-endian loads from bytes; the input may be unaligned.
TRAWL_HD_INLINE constexpr uint64_t load_le(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  TRAWL_UNROLL
  for (int k = 0; k < 8; ++k) {
    if (k < bytes) v |= uint64_t{p[k]} << (8 * k);
  }
  return v;
}

}  // namespace detail

class Xxh64 {
 public:
  static constexpr uint32_t digest_size = 8;

  // Starts a new message. Must be called before the first update(); the object holds garbage until
  // then (it is deliberately trivial, like the Merkle–Damgård hashers).
  TRAWL_HD_INLINE void init(uint64_t seed = 0) {
    seed_ = seed;
    acc_[0] = seed + kP1 + kP2;
    acc_[1] = seed + kP2;
    acc_[2] = seed;
    acc_[3] = seed - kP1;
    total_ = 0;
    buffered_ = 0;
  }

  // Appends n bytes. p may be unaligned, and null when n == 0.
  TRAWL_HD_INLINE void update(const unsigned char* p, size_t n) {
    total_ += n;
    while (n != 0) {
      const unsigned char* stripe;
      if (buffered_ == 0 && n >= kStripe) {
        // Whole stripe straight from the input: no copy.
        stripe = p;
        p += kStripe;
        n -= kStripe;
      } else {
        const size_t room = kStripe - buffered_;
        const uint32_t take = static_cast<uint32_t>(n < room ? n : room);
        for (uint32_t i = 0; i < take; ++i) buf_[buffered_ + i] = p[i];
        buffered_ += take;
        p += take;
        n -= take;
        if (buffered_ < kStripe) break;  // n == 0 here
        stripe = buf_;
        buffered_ = 0;
      }
      consume_stripe(acc_, stripe);
    }
  }

  // Hash of everything appended so far; the state is left untouched, so update() may continue.
  TRAWL_HD_INLINE uint64_t value() const {
    uint64_t h = total_ >= kStripe ? converge(acc_) : seed_ + kP5;
    h += total_;
    return finalize(h, buf_, buffered_);
  }

  // Writes the 8-byte canonical (big-endian) digest of everything appended so far.
  TRAWL_HD_INLINE void final(unsigned char* out) const { store_canonical(value(), out); }

  // One-shot hash of p[0, n), read in place (no copy).
  TRAWL_HD_INLINE static uint64_t hash(const unsigned char* p, size_t n, uint64_t seed = 0) {
    uint64_t h;
    size_t left = n;
    if (n >= kStripe) {
      uint64_t acc[4] = {seed + kP1 + kP2, seed + kP2, seed, seed - kP1};
      for (; left >= kStripe; p += kStripe, left -= kStripe) consume_stripe(acc, p);
      h = converge(acc);
    } else {
      h = seed + kP5;
    }
    h += n;
    return finalize(h, p, static_cast<uint32_t>(left));
  }

  // One-shot canonical digest of p[0, n) into out[0, 8).
  TRAWL_HD_INLINE static void digest(const unsigned char* p, size_t n, unsigned char* out,
                                     uint64_t seed = 0) {
    store_canonical(hash(p, n, seed), out);
  }

 private:
  static constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull;
  static constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4Full;
  static constexpr uint64_t kP3 = 0x165667B19E3779F9ull;
  static constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ull;
  static constexpr uint64_t kP5 = 0x27D4EB2F165667C5ull;
  static constexpr uint32_t kStripe = 32;  // four 8-byte lanes

  TRAWL_HD_INLINE static constexpr uint64_t round(uint64_t acc, uint64_t input) {
    acc += input * kP2;
    acc = detail::rotl64(acc, 31);
    return acc * kP1;
  }

  TRAWL_HD_INLINE static constexpr uint64_t merge_round(uint64_t h, uint64_t acc) {
    h ^= round(0, acc);
    return h * kP1 + kP4;
  }

  TRAWL_HD_INLINE static void consume_stripe(uint64_t (&acc)[4], const unsigned char* p) {
    TRAWL_UNROLL
    for (int lane = 0; lane < 4; ++lane) acc[lane] = round(acc[lane], detail::load_le(p + 8 * lane, 8));
  }

  TRAWL_HD_INLINE static uint64_t converge(const uint64_t (&acc)[4]) {
    uint64_t h = detail::rotl64(acc[0], 1) + detail::rotl64(acc[1], 7) + detail::rotl64(acc[2], 12) +
                 detail::rotl64(acc[3], 18);
    TRAWL_UNROLL
    for (int lane = 0; lane < 4; ++lane) h = merge_round(h, acc[lane]);
    return h;
  }

  // Mixes in the trailing len (< 32) bytes at p, then avalanches.
  TRAWL_HD_INLINE static uint64_t finalize(uint64_t h, const unsigned char* p, uint32_t len) {
    for (; len >= 8; p += 8, len -= 8) {
      h ^= round(0, detail::load_le(p, 8));
      h = detail::rotl64(h, 27) * kP1 + kP4;
    }
    if (len >= 4) {
      h ^= detail::load_le(p, 4) * kP1;
      h = detail::rotl64(h, 23) * kP2 + kP3;
      p += 4;
      len -= 4;
    }
    for (; len > 0; ++p, --len) {
      h ^= uint64_t{*p} * kP5;
      h = detail::rotl64(h, 11) * kP1;
    }
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
  }

  TRAWL_HD_INLINE static void store_canonical(uint64_t v, unsigned char* out) {
    TRAWL_UNROLL
    for (int k = 0; k < 8; ++k) out[k] = static_cast<unsigned char>(v >> (56 - 8 * k));
  }

  uint64_t acc_[4];            // lane accumulators
  uint64_t seed_;              // needed again by value() for messages shorter than one stripe
  uint64_t total_;             // message length so far, in bytes
  unsigned char buf_[kStripe];  // pending bytes of the current stripe: [0, buffered_)
  uint32_t buffered_;          // < kStripe between calls
};

}  // namespace trawl::kernels
