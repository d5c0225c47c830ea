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
  if (step == 0 || page_len > data.size() || out.size() < (page_len + step - 1) / step || table.digests.size() % digest_size != 0 ||
      table.prefix_bits > 24 || (!table.prefix_index.empty() && table.prefix_index.size() != (std::size_t{1} << table.prefix_bits) + 1))
    throw Error(ErrorKind::internal, "lookup_known_blocks: bad arguments");
}

// The top `bits` bits of a digest (bits <= 24).
std::uint32_t prefix_of(const unsigned char* digest, std::uint32_t bits) {
  if (bits == 0) return 0;
  const std::uint32_t top = std::uint32_t{digest[0]} << 24 | std::uint32_t{digest[1]} << 16 | std::uint32_t{digest[2]} << 8 | digest[3];
  return top >> (32 - bits);
}

}  // namespace

std::uint32_t prefix_bits_for(std::uint64_t digest_count) {
  std::uint32_t bits = 0;
  while (bits < 24 && (std::uint64_t{8} << bits) < digest_count) ++bits;
  return bits;
}

std::vector<std::uint32_t> make_prefix_index(std::span<const std::byte> digests, std::uint32_t digest_size, std::uint32_t bits) {
  const std::size_t count = digests.size() / digest_size;
  std::vector<std::uint32_t> index((std::size_t{1} << bits) + 1);
  const auto* d = reinterpret_cast<const unsigned char*>(digests.data());
  std::size_t next = 0;  // digests before `next` have a prefix < p
  for (std::size_t p = 0; p < index.size(); ++p) {
    while (next < count && prefix_of(d + next * digest_size, bits) < p) ++next;
    index[p] = static_cast<std::uint32_t>(next);
  }
  return index;
}

void Backend::lookup_known_blocks(const KnownBlockTable& table, std::span<const std::byte> data, std::size_t page_len,
                                  std::uint32_t step, std::span<std::uint32_t> out, const DeviceCopy* /*device*/) {
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
    // Lower bound over fixed-size records (within the digest's prefix range when there is an
    // index), then an equality check.
    std::size_t lo = 0, hi = count;
    if (!table.prefix_index.empty()) {
      const std::uint32_t p = prefix_of(digest, table.prefix_bits);
      lo = table.prefix_index[p];
      hi = table.prefix_index[p + 1];
    }
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
