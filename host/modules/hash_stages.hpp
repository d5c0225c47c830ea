// The hashing stages of a pass: one whole-image chain per algorithm, and block digests through
// the backend.
#pragma once

#include <memory>
#include <vector>

#include "host/backend/backend.hpp"
#include "host/hashing/block_digest_file.hpp"
#include "host/hashing/image_hasher.hpp"
#include "host/modules/stage.hpp"

namespace trawl::detail {

// Nice increment of the threads off the critical path (measured on 2 cores: +8 brings a
// md5+sha1+sha256 pass from 1.05x to 0.92x the time of md5sum alone).
inline constexpr int off_critical_path_nice = 8;

// Of the given whole-image algorithms, the one slowest on this CPU (timed on a small buffer).
HashAlgorithm slowest_image_algorithm(const std::vector<HashAlgorithm>& algorithms);

// Feeds page bytes, in image order, to one sequential hash chain.
class ImageHashStage final : public ChunkStage {
 public:
  ImageHashStage(HashAlgorithm algorithm, bool critical)
      : algorithm_(algorithm), critical_(critical), hasher_(make_image_hasher(algorithm)) {}
  std::string name() const override { return "hash." + std::string(info(algorithm_).name); }
  int nice() const override { return critical_ ? 0 : off_critical_path_nice; }
  void consume(const Chunk& chunk) override { hasher_->update(chunk.page()); }
  std::string final_hex() { return hasher_->final_hex(); }
  HashAlgorithm algorithm() const { return algorithm_; }

 private:
  HashAlgorithm algorithm_;
  bool critical_;  // the slowest chain: it alone sets the length of the pass
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
  // Parallel work yields to the sequential whole-image chain when there is one.
  int nice() const override { return yield_ ? off_critical_path_nice : 0; }
  void yield_to_image_hashes(bool yield) { yield_ = yield; }
  bool uses_device() const override { return true; }
  void consume(const Chunk& chunk) override;
  std::vector<Output>& outputs() { return outputs_; }

 private:
  Backend& backend_;
  std::uint32_t block_size_;  // divides the page size, so a page holds whole blocks but the last
  std::vector<Output> outputs_;
  bool yield_ = false;
};

}  // namespace trawl::detail
