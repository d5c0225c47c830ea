// Throughput of the hashing stages on one core, on large in-memory inputs.
//   build/bench/trawl_bench_hashing --benchmark_filter=BlockDigests
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "host/backend/backend.hpp"
#include "host/hashing/image_hasher.hpp"

namespace {

using namespace trawl::detail;

const std::vector<std::byte>& page() {
  static std::vector<std::byte> bytes = [] {
    std::vector<std::byte> b(16u << 20);
    std::mt19937_64 rng(1);
    for (auto& x : b) x = static_cast<std::byte>(rng());
    return b;
  }();
  return bytes;
}

// Block digests of a 16 MiB page on the CPU backend, one thread: the per-core block-hash rate.
void BlockDigests(benchmark::State& state, HashAlgorithm algorithm) {
  auto backend = make_cpu_backend(1);
  const auto block_size = static_cast<std::uint32_t>(state.range(0));
  std::vector<std::byte> out(page().size() / block_size * info(algorithm).digest_size);
  BlockDigestRequest request{algorithm, out};
  for (auto _ : state) {
    backend->hash_blocks(page(), block_size, std::span(&request, 1));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page().size()));
}
BENCHMARK_CAPTURE(BlockDigests, sha256, HashAlgorithm::sha256)->Arg(512)->Arg(4096)->Arg(16384)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BlockDigests, sha1, HashAlgorithm::sha1)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BlockDigests, md5, HashAlgorithm::md5)->Arg(4096)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BlockDigests, xxh64, HashAlgorithm::xxh64)->Arg(4096)->Unit(benchmark::kMillisecond);

// One whole-image chain fed 16 MiB pages, as an ImageHashStage does.
void ImageChain(benchmark::State& state, HashAlgorithm algorithm) {
  auto hasher = make_image_hasher(algorithm);
  for (auto _ : state) hasher->update(page());
  benchmark::DoNotOptimize(hasher->final_hex());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * page().size()));
}
BENCHMARK_CAPTURE(ImageChain, md5, HashAlgorithm::md5)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ImageChain, sha1, HashAlgorithm::sha1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ImageChain, sha256, HashAlgorithm::sha256)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ImageChain, sha512, HashAlgorithm::sha512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ImageChain, xxh128, HashAlgorithm::xxh128)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
