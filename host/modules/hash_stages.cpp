#include "host/modules/hash_stages.hpp"

#include <chrono>

namespace trawl::detail {

HashAlgorithm slowest_image_algorithm(const std::vector<HashAlgorithm>& algorithms) {
  static const std::vector<std::byte> sample(256 << 10, std::byte{0x5a});
  HashAlgorithm slowest = algorithms.front();
  double longest = -1;
  for (auto algorithm : algorithms) {
    auto hasher = make_image_hasher(algorithm);
    auto started = std::chrono::steady_clock::now();
    hasher->update(sample);
    hasher->final_hex();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (seconds > longest) {
      longest = seconds;
      slowest = algorithm;
    }
  }
  return slowest;
}

void BlockHashStage::consume(const Chunk& chunk) {
  const std::uint64_t first_block = chunk.offset / block_size_;
  const std::size_t blocks = (chunk.page_len + block_size_ - 1) / block_size_;
  std::vector<std::vector<std::byte>> digests(outputs_.size());
  std::vector<BlockDigestRequest> requests;
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    digests[i].resize(blocks * info(outputs_[i].algorithm).digest_size);
    requests.push_back({outputs_[i].algorithm, digests[i]});
  }
  backend_.hash_blocks(chunk.page(), block_size_, requests, chunk.device.get());
  for (std::size_t i = 0; i < outputs_.size(); ++i) outputs_[i].writer->write(first_block, digests[i]);
}

}  // namespace trawl::detail
