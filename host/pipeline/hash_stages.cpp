#include "host/pipeline/hash_stages.hpp"

namespace trawl::detail {

void BlockHashStage::consume(const Chunk& chunk) {
  const std::uint64_t first_block = chunk.offset / block_size_;
  const std::size_t blocks = (chunk.page_len + block_size_ - 1) / block_size_;
  std::vector<std::byte> digests;
  for (auto& output : outputs_) {
    digests.resize(blocks * info(output.algorithm).digest_size);
    backend_.hash_blocks(output.algorithm, chunk.page(), block_size_, digests);
    output.writer->write(first_block, digests);
  }
}

}  // namespace trawl::detail
