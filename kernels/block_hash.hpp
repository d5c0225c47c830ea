// Per-block hashing of a page: the functor behind the block-hash kernel (see launch.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/hd.hpp"

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

}  // namespace trawl::kernels
