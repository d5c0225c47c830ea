// The hash algorithms trawl knows, by the names users type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trawl::detail {

// Values are stored in block-digest file headers: never renumber.
enum class HashAlgorithm : std::uint32_t { md5 = 1, sha1 = 2, sha256 = 3, sha512 = 4, xxh128 = 5, xxh64 = 6 };

struct AlgorithmInfo {
  HashAlgorithm id;
  std::string_view name;  // as typed: "sha256"
  std::string_view tag;   // as in BSD-style lines "SHA256 (file) = ...": "SHA256"
  std::uint32_t digest_size;
  bool image;  // allowed for whole-image hashing
  bool block;  // allowed for block hashing
};

const AlgorithmInfo& info(HashAlgorithm algorithm);
// Throws Error(options) naming the allowed algorithms for that use.
HashAlgorithm image_algorithm(std::string_view name);
HashAlgorithm block_algorithm(std::string_view name);
// Looks up by BSD tag ("SHA256", "XXH128"); nullptr if unknown.
const AlgorithmInfo* by_tag(std::string_view tag);

}  // namespace trawl::detail
