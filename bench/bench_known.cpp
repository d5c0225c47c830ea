// Known-block lookup throughput against a database of 10 million SHA-256 block digests (random,
// sorted, in memory, as a .tdb maps them): the binary search alone (the device functor's find,
// half of the lookups hitting), and the CPU backend's whole lookup of a 16 MiB page (SHA-256 of a
// 4 KiB block at every candidate, then the search) at steps 512 and 4096.
//
//   build/bench/trawl_bench_known --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "host/backend/backend.hpp"
#include "kernels/known_block_lookup.hpp"
#include "kernels/sha256.hpp"

namespace {

using trawl::detail::HashAlgorithm;
using Digest = std::array<unsigned char, 32>;
constexpr std::size_t kTableSize = 10'000'000;

const std::vector<Digest>& table() {
  static const std::vector<Digest> digests = [] {
    std::vector<Digest> d(kTableSize);
    std::mt19937_64 rng(42);
    for (auto& digest : d)
      for (std::size_t i = 0; i < 32; i += 8) {
        const std::uint64_t v = rng();
        std::memcpy(digest.data() + i, &v, 8);
      }
    std::sort(d.begin(), d.end());
    return d;
  }();
  return digests;
}

// Half known digests, half random ones: a scan of an image full of known files at most.
std::vector<Digest> make_queries(const std::vector<Digest>& t) {
  std::vector<Digest> queries(1 << 16);
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (i % 2 == 0) {
      queries[i] = t[rng() % t.size()];
    } else {
      for (std::size_t k = 0; k < 32; k += 8) {
        const std::uint64_t v = rng();
        std::memcpy(queries[i].data() + k, &v, 8);
      }
    }
  }
  return queries;
}

void SearchOnly(benchmark::State& state) {
  const auto& t = table();
  const auto queries = make_queries(t);
  using Item = trawl::kernels::KnownBlockLookupItem<trawl::kernels::Sha256>;
  std::uint64_t found = 0;
  for (auto _ : state)
    for (const auto& q : queries) found += Item::find(t.front().data(), t.size(), q.data()) != Item::no_match;
  benchmark::DoNotOptimize(found);
  state.counters["lookups/s"] = benchmark::Counter(static_cast<double>(state.iterations() * queries.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(SearchOnly)->Unit(benchmark::kMillisecond);

// The same queries through the CPU backend's prefix index (host/backend/known_lookup.cpp): the
// index narrows each search to ~8 digests before the binary search.
void SearchWithPrefixIndex(benchmark::State& state) {
  const auto& t = table();
  const std::span<const std::byte> digests{reinterpret_cast<const std::byte*>(t.front().data()), t.size() * 32};
  const std::uint32_t bits = trawl::detail::prefix_bits_for(t.size());
  const auto index = trawl::detail::make_prefix_index(digests, 32, bits);
  const auto queries = make_queries(t);
  using Item = trawl::kernels::KnownBlockLookupItem<trawl::kernels::Sha256>;
  std::uint64_t found = 0;
  for (auto _ : state)
    for (const auto& q : queries) {
      const std::uint32_t p = (std::uint32_t{q[0]} << 24 | std::uint32_t{q[1]} << 16 | std::uint32_t{q[2]} << 8 | q[3]) >> (32 - bits);
      const std::uint32_t lo = index[p], hi = index[p + 1];
      found += Item::find(t.front().data() + std::size_t{lo} * 32, hi - lo, q.data()) != Item::no_match;
    }
  benchmark::DoNotOptimize(found);
  state.counters["lookups/s"] = benchmark::Counter(static_cast<double>(state.iterations() * queries.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(SearchWithPrefixIndex)->Unit(benchmark::kMillisecond);

// The CPU backend's lookup of one 16 MiB page (one thread): what a scan worker does per chunk.
void CpuBackendPage(benchmark::State& state) {
  const auto& t = table();
  const auto step = static_cast<std::uint32_t>(state.range(0));
  const std::span<const std::byte> digests{reinterpret_cast<const std::byte*>(t.front().data()), t.size() * 32};
  // Arg 1: the prefix index the scan builds for the CPU search (0: plain binary search).
  const std::uint32_t bits = state.range(1) ? trawl::detail::prefix_bits_for(t.size()) : 0;
  const auto index = state.range(1) ? trawl::detail::make_prefix_index(digests, 32, bits) : std::vector<std::uint32_t>{};
  const trawl::detail::KnownBlockTable known{HashAlgorithm::sha256, 4096, digests, index, bits};
  const std::size_t page = 16 << 20;
  std::vector<std::byte> data(page + 4096);
  std::mt19937_64 rng(3);
  for (auto& b : data) b = static_cast<std::byte>(rng());
  std::vector<std::uint32_t> out(page / step);
  auto backend = trawl::detail::make_cpu_backend(1);
  for (auto _ : state) backend->lookup_known_blocks(known, data, page, step, out);
  state.counters["lookups/s"] = benchmark::Counter(static_cast<double>(state.iterations() * out.size()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page));
}
BENCHMARK(CpuBackendPage)->Args({512, 1})->Args({4096, 1})->Args({512, 0})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
