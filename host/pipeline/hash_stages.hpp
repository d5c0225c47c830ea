// The hashing stages of a pass: one whole-image chain per algorithm, and block digests through
// the backend.
#pragma once

#include <memory>
#include <vector>

#include "host/backend/backend.hpp"
#include "host/hashing/block_digest_file.hpp"
#include "host/hashing/image_hasher.hpp"
#include "host/pipeline/stage.hpp"

namespace trawl::detail {

// Feeds page bytes, in image order, to one sequential hash chain.
class ImageHashStage final : public ChunkStage {
 public:
  explicit ImageHashStage(HashAlgorithm algorithm) : algorithm_(algorithm), hasher_(make_image_hasher(algorithm)) {}
  std::string name() const override { return "hash." + std::string(info(algorithm_).name); }
  void consume(const Chunk& chunk) override { hasher_->update(chunk.page()); }
  std::string final_hex() { return hasher_->final_hex(); }
  HashAlgorithm algorithm() const { return algorithm_; }

 private:
  HashAlgorithm algorithm_;
  std::unique_ptr<ImageHasher> hasher_;
};

// Digests every block of each page on the backend and stores them at their block index, so
// chunks may finish in any order and the file is still in block order.
class BlockHashStage final : public ChunkStage {
 public:
  struct Output {
    HashAlgorithm algorithm;
    std::unique_ptr<BlockDigestWriter> writer;
  };
  BlockHashStage(Backend& backend, std::uint32_t block_size, std::vector<Output> outputs)
      : backend_(backend), block_size_(block_size), outputs_(std::move(outputs)) {}
  std::string name() const override { return "blocks"; }
  unsigned workers() const override { return backend_.workers(); }
  void consume(const Chunk& chunk) override;
  std::vector<Output>& outputs() { return outputs_; }

 private:
  Backend& backend_;
  std::uint32_t block_size_;  // divides the page size, so a page holds whole blocks but the last
  std::vector<Output> outputs_;
};

}  // namespace trawl::detail
