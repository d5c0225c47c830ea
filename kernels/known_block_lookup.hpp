// Known-block lookup: the functor behind the known-block kernel (see launch.hpp). Each item hashes
// the block that starts at one candidate offset and looks its digest up, by binary search, in the
// sorted digest table of a block-hash database (host/known/block_db.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/hd.hpp"

namespace trawl::kernels {

// Item i is the candidate at data offset i * step, for every such offset in [0, page_len): it
// hashes bytes [i * step, i * step + block_size) and writes to out[i] the index of that digest in
// `table`, or no_match. A candidate whose block does not fit in data_len bytes (the end of the
// image) gets no_match: only whole blocks are ever in the table.
//
// Preconditions: step > 0; data holds data_len >= page_len bytes; `table` holds table_count
// digests of Hasher::digest_size bytes, sorted by memcmp order, no duplicates; out has room for
// count() entries. Items only read shared data, so they are independent.
template <class Hasher>
struct KnownBlockLookupItem {
  static constexpr uint32_t no_match = 0xffffffffu;

  const unsigned char* data;
  uint64_t data_len;     // page + the margin bytes present
  uint64_t page_len;     // candidates start only here: the page's owner reports them
  uint32_t step;         // distance between candidates (a sector, a cluster, a block)
  uint32_t block_size;   // bytes hashed per candidate; the database's block size
  const unsigned char* table;
  uint64_t table_count;
  uint32_t* out;

  TRAWL_HD_INLINE constexpr uint64_t count() const { return (page_len + step - 1) / step; }

  // memcmp order of two digests.
  TRAWL_HD_INLINE static int compare(const unsigned char* a, const unsigned char* b) {
    for (uint32_t k = 0; k < Hasher::digest_size; ++k)
      if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
    return 0;
  }

  // Index of `digest` in a sorted table, or no_match.
  TRAWL_HD_INLINE static uint32_t find(const unsigned char* table, uint64_t table_count, const unsigned char* digest) {
    uint64_t lo = 0, hi = table_count;  // invariant: a match, if any, lies in [lo, hi)
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      const int c = compare(table + mid * Hasher::digest_size, digest);
      if (c == 0) return static_cast<uint32_t>(mid);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return no_match;
  }

  // Items past the last candidate do nothing, so launching more items than candidates is harmless.
  TRAWL_HD_INLINE void operator()(uint64_t i) const {
    const uint64_t offset = i * step;
    if (offset >= page_len) return;
    if (offset + block_size > data_len) {
      out[i] = no_match;
      return;
    }
    unsigned char digest[Hasher::digest_size];
    Hasher::digest(data + offset, block_size, digest);
    out[i] = find(table, table_count, digest);
  }
};

}  // namespace trawl::kernels
