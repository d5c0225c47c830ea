// Known-block lookup on the host: OpenSSL digests and a binary search (the CPU backend), and the
// device functor under emulated_launch (the tests' reference for the CUDA backend).
#include <algorithm>
#include <cstring>

#include "host/backend/backend.hpp"
#include "host/backend/block_hashers.hpp"
#include "host/hashing/evp.hpp"
#include "kernels/known_block_lookup.hpp"
#include "kernels/launch.hpp"

namespace trawl::detail {
namespace {

void check(const KnownBlockTable& table, std::span<const std::byte> data, std::size_t page_len, std::uint32_t step,
           std::span<std::uint32_t> out) {
  const std::uint32_t digest_size = info(table.algorithm).digest_size;
  if (step == 0 || page_len > data.size() || out.size() < (page_len + step - 1) / step || table.digests.size() % digest_size != 0)
    throw Error(ExitCode::internal, "lookup_known_blocks: bad arguments");
}

}  // namespace

void Backend::lookup_known_blocks(const KnownBlockTable& table, std::span<const std::byte> data, std::size_t page_len,
                                  std::uint32_t step, std::span<std::uint32_t> out) {
  check(table, data, page_len, step, out);
  const std::size_t digest_size = info(table.algorithm).digest_size;
  const auto* digests = reinterpret_cast<const unsigned char*>(table.digests.data());
  const std::size_t count = table.digests.size() / digest_size;
  // One reusable context per call: re-initialising costs far less than creating one per block.
  EvpContext ctx(evp_md(table.algorithm));
  unsigned char digest[64];
  for (std::size_t i = 0, offset = 0; offset < page_len; ++i, offset += step) {
    if (offset + table.block_size > data.size()) {
      out[i] = known_no_match;
      continue;
    }
    if (i) ctx.init();
    ctx.update(data.subspan(offset, table.block_size));
    ctx.final(digest);
    // Lower bound over fixed-size records, then an equality check.
    std::size_t lo = 0, hi = count;
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (std::memcmp(digests + mid * digest_size, digest, digest_size) < 0) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo < count && std::memcmp(digests + lo * digest_size, digest, digest_size) == 0 ? static_cast<std::uint32_t>(lo)
                                                                                             : known_no_match;
  }
}

void emulated_known_lookup(const KnownBlockTable& table, std::span<const std::byte> data, std::size_t page_len,
                           std::uint32_t step, std::span<std::uint32_t> out) {
  check(table, data, page_len, step, out);
  visit_block_hasher(table.algorithm, [&]<class Hasher>(std::type_identity<Hasher>) {
    const kernels::KnownBlockLookupItem<Hasher> item{reinterpret_cast<const unsigned char*>(data.data()),
                                                     data.size(),
                                                     page_len,
                                                     step,
                                                     table.block_size,
                                                     reinterpret_cast<const unsigned char*>(table.digests.data()),
                                                     table.digests.size() / Hasher::digest_size,
                                                     out.data()};
    kernels::emulated_launch(item.count(), item);
  });
}

}  // namespace trawl::detail
