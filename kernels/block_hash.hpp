// Per-block hashing of a page: the functor behind the block-hash kernel (see launch.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/hd.hpp"
#include "kernels/md5.hpp"
#include "kernels/sha1.hpp"
#include "kernels/sha256.hpp"
#include "kernels/xxh64.hpp"

namespace trawl::kernels {

// Item i hashes block i of data, i.e. bytes [i * block_size, min((i + 1) * block_size, data_len)),
// and writes the Hasher::digest_size digest bytes to out + i * Hasher::digest_size. The last block
// is partial when block_size does not divide data_len; only its remaining bytes are hashed.
//
// Hasher is any of Md5, Sha1, Sha256, Xxh64: it provides digest_size and a one-shot
// `static void digest(const unsigned char*, size_t, unsigned char*)`.
//
// Preconditions: block_size > 0; data holds data_len bytes; out has room for
// block_count() * Hasher::digest_size bytes. Blocks never overlap, so items are independent.
template <class Hasher>
struct BlockHashItem {
  const unsigned char* data;
  uint64_t data_len;
  uint32_t block_size;  // bytes per page block, not the hasher's internal block
  unsigned char* out;

  TRAWL_HD_INLINE static constexpr uint64_t block_count(uint64_t data_len, uint32_t block_size) {
    return data_len / block_size + (data_len % block_size != 0 ? 1 : 0);
  }

  // Number of items to launch.
  TRAWL_HD_INLINE constexpr uint64_t count() const { return block_count(data_len, block_size); }

  // Items past the last block do nothing, so launching more items than blocks is harmless.
  TRAWL_HD_INLINE void operator()(uint64_t i) const {
    const uint64_t offset = i * block_size;
    if (offset >= data_len) return;
    const uint64_t left = data_len - offset;
    const uint64_t len = left < block_size ? left : block_size;
    Hasher::digest(data + offset, static_cast<size_t>(len), out + i * Hasher::digest_size);
  }
};

// Every block algorithm of a page in one launch: item i hashes block i % blocks for the algorithm
// of slot i / blocks, exactly as BlockHashItem<that hasher> would. One launch of slots × blocks
// items instead of one launch per algorithm: a 16 MiB page at 4 KiB blocks is 16,384 threads for
// four algorithms rather than four launches of 4,096, which leave most of a GPU idle. Items of
// one warp share an algorithm except at the one boundary between slots.
struct MultiBlockHashItem {
  enum Kind : uint32_t { md5, sha1, sha256, xxh64 };
  static constexpr uint32_t max_slots = 4;

  const unsigned char* data;
  uint64_t data_len;
  uint32_t block_size;
  uint32_t slots;                  // 1..max_slots
  Kind kind[max_slots];            // slot's algorithm
  unsigned char* out[max_slots];   // slot's digests, as BlockHashItem's out

  TRAWL_HD_INLINE constexpr uint64_t blocks() const { return BlockHashItem<Md5>::block_count(data_len, block_size); }
  TRAWL_HD_INLINE constexpr uint64_t count() const { return blocks() * slots; }

  TRAWL_HD_INLINE void operator()(uint64_t i) const {
    const uint64_t n = blocks();
    if (n == 0 || i >= n * slots) return;
    const uint64_t slot = i / n, block = i % n;
    unsigned char* const o = pick(out, slot);
    switch (pick(kind, slot)) {
      case md5: BlockHashItem<Md5>{data, data_len, block_size, o}(block); break;
      case sha1: BlockHashItem<Sha1>{data, data_len, block_size, o}(block); break;
      case sha256: BlockHashItem<Sha256>{data, data_len, block_size, o}(block); break;
      case xxh64: BlockHashItem<Xxh64>{data, data_len, block_size, o}(block); break;
    }
  }

  // a[slot] with constant indices only: a run-time index would copy the arrays to local memory.
  template <class T>
  TRAWL_HD_INLINE static T pick(const T (&a)[max_slots], uint64_t slot) {
    return slot == 0 ? a[0] : slot == 1 ? a[1] : slot == 2 ? a[2] : a[3];
  }
};

}  // namespace trawl::kernels
