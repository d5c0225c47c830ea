// The CPU backend: OpenSSL (SHA-NI where present) and libxxhash, which beat any portable code.
#include <xxhash.h>

#include <thread>

#include "host/backend/backend.hpp"
#include "host/hashing/evp.hpp"

namespace trawl::detail {
namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(unsigned threads)
      : workers_(threads ? threads : std::max(1u, std::thread::hardware_concurrency())) {}
  BackendKind kind() const override { return BackendKind::cpu; }
  unsigned workers() const override { return workers_; }

  void hash_blocks(std::span<const std::byte> page, std::uint32_t block_size, std::span<const BlockDigestRequest> requests,
                   const DeviceCopy* /*device*/) override {
    for (const auto& request : requests) hash_blocks(request.algorithm, page, block_size, request.out);
  }

 private:
  static void hash_blocks(HashAlgorithm algorithm, std::span<const std::byte> page, std::uint32_t block_size,
                          std::span<std::byte> out) {
    const std::size_t digest_size = info(algorithm).digest_size;
    const std::size_t blocks = (page.size() + block_size - 1) / block_size;
    auto* digest = reinterpret_cast<unsigned char*>(out.data());
    if (algorithm == HashAlgorithm::xxh64) {
      for (std::size_t i = 0; i < blocks; ++i, digest += digest_size) {
        auto block = page.subspan(i * block_size, std::min<std::size_t>(block_size, page.size() - i * block_size));
        XXH64_canonicalFromHash(reinterpret_cast<XXH64_canonical_t*>(digest), XXH64(block.data(), block.size(), 0));
      }
      return;
    }
    // One reusable context per call: re-initialising costs far less than creating one per block.
    EvpContext ctx(evp_md(algorithm));
    for (std::size_t i = 0; i < blocks; ++i, digest += digest_size) {
      if (i) ctx.init();
      ctx.update(page.subspan(i * block_size, std::min<std::size_t>(block_size, page.size() - i * block_size)));
      ctx.final(digest);
    }
  }

  unsigned workers_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(unsigned threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace trawl::detail
