// The block-hash functors (kernels/block_hash.hpp) under the emulated launch, which is the CUDA
// kernel's body run on the host, against the CPU backend (OpenSSL, libxxhash). Together with the
// CUDA parity tests this closes the loop: emulated == CPU here, CUDA == CPU on a GPU machine.
#include <gtest/gtest.h>

#include <vector>

#include "host/backend/backend.hpp"
#include "host/backend/block_hashers.hpp"
#include "kernels/block_hash.hpp"
#include "kernels/launch.hpp"
#include "support/test_support.hpp"
#include "trawl/trawl.hpp"

namespace trawl {
namespace {

using detail::HashAlgorithm;

constexpr HashAlgorithm kBlockAlgorithms[] = {HashAlgorithm::md5, HashAlgorithm::sha1, HashAlgorithm::sha256,
                                              HashAlgorithm::xxh64};

std::vector<std::byte> emulated_digests(HashAlgorithm algorithm, std::span<const std::byte> page, std::uint32_t block_size) {
  std::vector<std::byte> out;
  detail::visit_block_hasher(algorithm, [&]<class Hasher>(std::type_identity<Hasher>) {
    // Poisoned, so that a block the launch skipped cannot look right.
    out.assign(kernels::BlockHashItem<Hasher>::block_count(page.size(), block_size) * Hasher::digest_size, std::byte{0xA5});
    const kernels::BlockHashItem<Hasher> item{reinterpret_cast<const unsigned char*>(page.data()), page.size(), block_size,
                                              reinterpret_cast<unsigned char*>(out.data())};
    kernels::emulated_launch(item.count(), item);
  });
  return out;
}

std::vector<std::byte> cpu_digests(detail::Backend& cpu, HashAlgorithm algorithm, std::span<const std::byte> page,
                                   std::uint32_t block_size) {
  const std::size_t blocks = (page.size() + block_size - 1) / block_size;
  std::vector<std::byte> out(blocks * detail::info(algorithm).digest_size, std::byte{0x5A});
  const detail::BlockDigestRequest request{algorithm, out};
  cpu.hash_blocks(page, block_size, {&request, 1});
  return out;
}

TEST(EmulatedParity, BlockHashItemEqualsCpuBackendForEveryAlgorithmSizeAndBlockSize) {
  auto cpu = detail::make_cpu_backend(1);
  // Whole blocks, a short last block of every kind (1 byte, one under a block, padding edges of
  // the 64-byte hash blocks), and a page of many blocks.
  const std::size_t sizes[] = {0, 1, 55, 56, 64, 511, 512, 513, 4095, 4096, 4097, 3 * 4096 + 100, (1 << 20) + 7};
  std::uint64_t seed = 1;
  for (std::uint32_t block_size : {512u, 4096u})
    for (std::size_t size : sizes) {
      const auto page = test::random_bytes(size, seed++);
      for (auto algorithm : kBlockAlgorithms) {
        const auto expected = cpu_digests(*cpu, algorithm, page, block_size);
        EXPECT_EQ(emulated_digests(algorithm, page, block_size), expected)
            << detail::info(algorithm).name << ", page of " << size << " bytes, blocks of " << block_size;
      }
    }
}

// All block algorithms in one launch (what the CUDA backend launches when a page wants several)
// give each algorithm's digests exactly, in any subset and order of algorithms.
TEST(EmulatedParity, OneLaunchOfEveryAlgorithmEqualsEachAlone) {
  auto cpu = detail::make_cpu_backend(1);
  const std::vector<std::vector<HashAlgorithm>> sets{
      {HashAlgorithm::md5, HashAlgorithm::sha1, HashAlgorithm::sha256, HashAlgorithm::xxh64},
      {HashAlgorithm::xxh64, HashAlgorithm::sha256},
      {HashAlgorithm::sha1}};
  std::uint64_t seed = 500;
  for (std::uint32_t block_size : {512u, 4096u})
    for (std::size_t size : {std::size_t{0}, std::size_t{100}, std::size_t{4096}, std::size_t{3 * 4096 + 100}, std::size_t{(1 << 20) + 7}})
      for (const auto& set : sets) {
        const auto page = test::random_bytes(size, seed++);
        kernels::MultiBlockHashItem item{reinterpret_cast<const unsigned char*>(page.data()), page.size(), block_size,
                                         static_cast<std::uint32_t>(set.size()), {}, {}};
        std::vector<std::vector<std::byte>> outs;
        for (auto a : set) outs.emplace_back(item.blocks() * detail::info(a).digest_size, std::byte{0xA5});  // poisoned
        for (std::size_t i = 0; i < set.size(); ++i) {
          item.kind[i] = detail::multi_block_kind(set[i]);
          item.out[i] = reinterpret_cast<unsigned char*>(outs[i].data());
        }
        kernels::emulated_launch(item.count() + 3, item);  // a rounded-up grid runs items past the end
        for (std::size_t i = 0; i < set.size(); ++i)
          EXPECT_EQ(outs[i], cpu_digests(*cpu, set[i], page, block_size))
              << detail::info(set[i]).name << ", page of " << size << " bytes, blocks of " << block_size;
      }
}

TEST(EmulatedParity, ImageOnlyAlgorithmsHaveNoBlockKernel) {
  for (auto algorithm : {HashAlgorithm::sha512, HashAlgorithm::xxh128}) {
    try {
      detail::visit_block_hasher(algorithm, [](auto) {});
      ADD_FAILURE() << "expected an error for " << detail::info(algorithm).name;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::internal);
      EXPECT_NE(std::string(e.what()).find(detail::info(algorithm).name), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace trawl
