// Known-file detection during the pass. KnownBlockStage looks up, on the backend, the block that
// starts at every `step` offset of each page in a block-hash database, keeps the probative hits,
// and at the end groups them into runs and per-file reports. mark_known_carved() matches carved
// files against whole-file hash sets.
//
// Determinism: a candidate belongs to the chunk whose page holds its first byte, and the margin
// (>= the database's block size, checked at start) holds the rest of its block, so the hits, and
// everything derived from them after sorting, do not depend on page size, margin, threads or
// backend.
#pragma once

#include <filesystem>
#include <mutex>
#include <vector>

#include "host/backend/backend.hpp"
#include "host/known/block_db.hpp"
#include "host/known/hash_set.hpp"
#include "host/modules/stage.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

// The step of a scan with this database: options.block_step, or the database's block size. Throws
// Error(options) unless it is a power of two that divides the block size and the page size, and the
// margin holds a whole block.
std::uint32_t known_block_step(const ScanOptions& options, const BlockDb& db);

class KnownBlockStage final : public ChunkStage {
 public:
  KnownBlockStage(Backend& backend, const BlockDb& db, std::uint32_t step);
  std::string name() const override { return "known"; }
  unsigned workers() const override { return backend_.workers(); }
  bool uses_device() const override { return true; }
  void consume(const Chunk& chunk) override;
  // After the last chunk: runs and per-file reports.
  KnownSummary finish();

 private:
  struct Hit {
    std::uint64_t offset;  // absolute image offset of the block
    std::uint32_t digest;  // index in the database; probative
  };
  Backend& backend_;
  const BlockDb& db_;
  std::uint32_t step_;
  std::vector<std::uint32_t> prefix_index_;  // of db_'s digests, for the CPU search
  KnownBlockTable table_;
  std::mutex mutex_;
  std::vector<Hit> hits_;         // guarded by mutex_; any order until finish()
  std::uint64_t candidates_ = 0;  // guarded by mutex_
};

// Sets CarvedFile::known from the hash sets, counts the labels in `summary`, and with
// skip_known_good removes the known-good files from `output` (their records stay, with no file).
void mark_known_carved(const HashSetCollection& sets, bool skip_known_good, const std::filesystem::path& output,
                       std::vector<CarvedFile>& carved, KnownSummary& summary);

}  // namespace trawl::detail
