#include "host/modules/known_stage.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "host/util/text.hpp"

namespace trawl::detail {

namespace {
bool is_power_of_two(std::uint64_t v) { return v && !(v & (v - 1)); }
}  // namespace

std::uint32_t known_block_step(const ScanOptions& options, const BlockDb& db) {
  const std::uint32_t step = options.known.block_step ? options.known.block_step : db.block_size();
  if (!is_power_of_two(step) || step > db.block_size())
    throw Error(ErrorKind::options, "KnownOptions::block_step must be a power of two no larger than the database's block size (" +
                                        std::to_string(db.block_size()) + ")");
  if (options.page_size % step != 0)
    throw Error(ErrorKind::options,
                "ScanOptions::page_size must be a multiple of KnownOptions::block_step (" + std::to_string(step) + ")");
  if (options.margin < db.block_size())
    throw Error(ErrorKind::options,
                "ScanOptions::margin must be at least the block database's block size (" + std::to_string(db.block_size()) + ")");
  return step;
}

KnownBlockStage::KnownBlockStage(Backend& backend, const BlockDb& db, std::uint32_t step)
    : backend_(backend),
      db_(db),
      step_(step),
      prefix_index_(make_prefix_index(db.digests(), db.digest_size(), prefix_bits_for(db.digest_count()))),
      table_{db.algorithm(), db.block_size(), db.digests(), prefix_index_, prefix_bits_for(db.digest_count())} {}

void KnownBlockStage::consume(const Chunk& chunk) {
  const std::size_t candidates = (chunk.page_len + step_ - 1) / step_;
  thread_local std::vector<std::uint32_t> found;
  found.resize(candidates);
  backend_.lookup_known_blocks(table_, chunk.data(), chunk.page_len, step_, found, chunk.device.get());
  std::vector<Hit> hits;
  for (std::size_t i = 0; i < candidates; ++i)
    // Non-probative blocks are dropped here: they may never make a report, alone or in a run.
    if (found[i] != known_no_match && db_.probative(found[i])) hits.push_back({chunk.offset + i * step_, found[i]});
  std::lock_guard lock(mutex_);
  hits_.insert(hits_.end(), hits.begin(), hits.end());
  candidates_ += candidates;
}

KnownSummary KnownBlockStage::finish() {
  std::lock_guard lock(mutex_);
  KnownSummary summary;
  summary.enabled = true;
  summary.block_size = db_.block_size();
  summary.step = step_;
  summary.candidates = candidates_;
  summary.block_hits = hits_.size();

  // Each hit is a block of one or more (file, block index): where that file would start if this
  // block is where it belongs. Hits of one file with the same start and consecutive probative
  // blocks form a run.
  struct Placed {
    std::uint32_t file;
    std::int64_t base;  // offset - block * block_size; negative for a file cut off at the image start
    std::uint32_t block;
    std::uint64_t offset;
  };
  const std::int64_t bs = db_.block_size();
  std::vector<Placed> placed;
  placed.reserve(hits_.size());
  for (const auto& h : hits_)
    for (const auto& p : db_.postings(h.digest))
      placed.push_back({p.file, static_cast<std::int64_t>(h.offset) - std::int64_t{p.block} * bs, p.block, h.offset});
  std::sort(placed.begin(), placed.end(),
            [](const Placed& a, const Placed& b) { return std::tie(a.file, a.base, a.block) < std::tie(b.file, b.base, b.block); });

  const auto files = db_.files();
  // Only non-probative blocks of the file lie strictly between blocks a and b.
  const auto adjacent = [&](std::uint32_t file, std::uint32_t a, std::uint32_t b) {
    for (std::uint32_t k = a + 1; k < b; ++k)
      if (db_.probative(db_.file_block(files[file], k))) return false;
    return true;
  };
  // placed[k] continues the run of placed[k - 1].
  const auto continues = [&](std::size_t k) {
    return k > 0 && placed[k].file == placed[k - 1].file && placed[k].base == placed[k - 1].base &&
           adjacent(placed[k].file, placed[k - 1].block, placed[k].block);
  };
  // A block that occurs twice in a file (or in two files) puts each of its hits in several places.
  // Where one place of a hit lies in a run of two or more blocks, its single-block places are
  // echoes of the same bytes, not more copies: they are dropped, so that a partial copy does not
  // count the repeated block's other index as found, nor report a run where no file starts.
  {
    std::vector<std::uint64_t> run_length(placed.size());
    for (std::size_t i = 0; i < placed.size();) {
      std::size_t j = i + 1;
      while (j < placed.size() && continues(j)) ++j;
      for (std::size_t k = i; k < j; ++k) run_length[k] = j - i;
      i = j;
    }
    std::vector<std::uint64_t> in_long_run;
    for (std::size_t k = 0; k < placed.size(); ++k)
      if (run_length[k] >= 2) in_long_run.push_back(placed[k].offset);
    std::sort(in_long_run.begin(), in_long_run.end());
    std::size_t kept = 0;
    for (std::size_t k = 0; k < placed.size(); ++k)
      if (run_length[k] >= 2 || !std::binary_search(in_long_run.begin(), in_long_run.end(), placed[k].offset)) placed[kept++] = placed[k];
    placed.resize(kept);
  }
  struct FileState {
    std::vector<bool> found;
    std::uint64_t found_count = 0;
    std::vector<KnownRun> runs;  // file index filled in below
  };
  std::map<std::uint32_t, FileState> by_file;  // ordered by database index, i.e. by name
  for (std::size_t i = 0; i < placed.size();) {
    const Placed& first = placed[i];
    auto& state = by_file[first.file];
    if (state.found.empty()) state.found.assign(files[first.file].blocks, false);
    KnownRun run;
    run.offset = first.offset;
    run.first_block = first.block;
    std::size_t j = i;
    for (; j < placed.size() && (j == i || continues(j)); ++j) {
      run.last_block = placed[j].block;
      ++run.blocks;
      if (!state.found[placed[j].block]) {
        state.found[placed[j].block] = true;
        ++state.found_count;
      }
    }
    state.runs.push_back(run);
    i = j;
  }
  for (auto& [index, state] : by_file) {
    const auto& entry = files[index];
    KnownFileReport f;
    f.file = std::string(db_.file_name(entry));
    f.size = entry.size;
    f.sha256 = to_hex(std::span<const unsigned char>(entry.sha256, 32));
    f.blocks_total = entry.blocks;
    f.blocks_probative = entry.probative;
    f.blocks_found = state.found_count;
    f.runs = state.runs.size();
    f.fraction = entry.probative ? static_cast<double>(state.found_count) / entry.probative : 0;
    std::sort(state.runs.begin(), state.runs.end(), [](const KnownRun& a, const KnownRun& b) { return a.offset < b.offset; });
    for (std::size_t k = 0; k < state.runs.size() && k < 16; ++k) f.offsets.push_back(state.runs[k].offset);
    for (auto& run : state.runs) {
      run.file = summary.files.size();
      summary.runs.push_back(run);
    }
    summary.files.push_back(std::move(f));
  }
  std::sort(summary.runs.begin(), summary.runs.end(),
            [](const KnownRun& a, const KnownRun& b) { return std::tie(a.offset, a.file) < std::tie(b.offset, b.file); });
  return summary;
}

void mark_known_carved(const HashSetCollection& sets, bool skip_known_good, const std::filesystem::path& output,
                       std::vector<CarvedFile>& carved, KnownSummary& summary) {
  for (auto& f : carved) {
    const auto hit = sets.match(f.md5, f.sha256);
    if (!hit) continue;
    f.known = CarvedFile::Known{hit->set, std::string(label_name(hit->label)), hit->name};
    switch (hit->label) {
      case HashSetLabel::known_good: ++summary.carved_known_good; break;
      case HashSetLabel::known_bad: ++summary.carved_known_bad; break;
      case HashSetLabel::custom: ++summary.carved_custom; break;
    }
    if (skip_known_good && hit->label == HashSetLabel::known_good && !f.file.empty() && !output.empty()) {
      std::error_code ec;
      std::filesystem::remove(output / f.file, ec);
      if (ec) throw Error(ErrorKind::output, "cannot remove " + in_quotes((output / f.file).string()) + ": " + ec.message());
      f.file.clear();
      f.note += (f.note.empty() ? "" : "; ") + std::string("known-good, not kept");
      ++summary.carved_not_kept;
    }
  }
}

}  // namespace trawl::detail
