// The one place that maps a block-hash algorithm to its __host__ __device__ hash core (kernels/).
// The CUDA backend launches BlockHashItem<Hasher> through it and the host tests run the same
// functor through it under emulated_launch, so a wrong mapping cannot pass the tests on one
// path and break the other.
#pragma once

#include <type_traits>

#include "host/hashing/algorithms.hpp"
#include "kernels/block_hash.hpp"
#include "kernels/md5.hpp"
#include "kernels/sha1.hpp"
#include "kernels/sha256.hpp"
#include "kernels/xxh64.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

// Calls f(std::type_identity<Hasher>{}) with the kernel hash core of `algorithm`. Throws
// Error(internal) for an algorithm that has no block kernel (sha512 and xxh128 are image hashes
// only; ScanOptions are checked against that long before a backend sees them).
template <class F>
decltype(auto) visit_block_hasher(HashAlgorithm algorithm, F&& f) {
  switch (algorithm) {
    case HashAlgorithm::md5: return f(std::type_identity<kernels::Md5>{});
    case HashAlgorithm::sha1: return f(std::type_identity<kernels::Sha1>{});
    case HashAlgorithm::sha256: return f(std::type_identity<kernels::Sha256>{});
    case HashAlgorithm::xxh64: return f(std::type_identity<kernels::Xxh64>{});
    default: break;
  }
  throw Error(ErrorKind::internal, "no block-hash kernel for " + std::string(info(algorithm).name));
}

// The slot kind of `algorithm` in kernels::MultiBlockHashItem; throws as visit_block_hasher.
inline kernels::MultiBlockHashItem::Kind multi_block_kind(HashAlgorithm algorithm) {
  return visit_block_hasher(algorithm, []<class Hasher>(std::type_identity<Hasher>) {
    if constexpr (std::is_same_v<Hasher, kernels::Md5>) return kernels::MultiBlockHashItem::md5;
    else if constexpr (std::is_same_v<Hasher, kernels::Sha1>) return kernels::MultiBlockHashItem::sha1;
    else if constexpr (std::is_same_v<Hasher, kernels::Sha256>) return kernels::MultiBlockHashItem::sha256;
    else return kernels::MultiBlockHashItem::xxh64;
  });
}

}  // namespace trawl::detail
