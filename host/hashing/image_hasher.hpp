// Whole-image hashers: one sequential chain each (MD5, SHA-*, XXH3-128), fed the page bytes of
// every chunk in image order. Each runs on its own thread, so a pass with several hashes takes
// as long as the slowest one.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "host/hashing/algorithms.hpp"

namespace trawl::detail {

class ImageHasher {
 public:
  virtual ~ImageHasher() = default;
  virtual void update(std::span<const std::byte> bytes) = 0;
  virtual std::string final_hex() = 0;  // once, after the last update
};

// OpenSSL EVP for MD5/SHA-*, libxxhash for XXH3-128.
std::unique_ptr<ImageHasher> make_image_hasher(HashAlgorithm algorithm);

}  // namespace trawl::detail
