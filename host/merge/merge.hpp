// Joins the output folders of range runs of one image (`trawl scan --range`, one Slurm array
// task each) into the folder a whole-image run would have written: block digests, identifier
// features (files, histograms, JSON Lines), carved files and their reports, and the summary.
// Image hashes are sequential chains over every byte: range runs compute none, so neither does
// the merge.
//
// What makes it exact. Every finding belongs to the range where it starts, and a range run sees
// the bytes around its pages, so the runs find what the whole run finds, with two exceptions
// that depend on what came before a range's start, both replayed here:
//  * overlapping features of one type are reported once, greedily in offset order
//    (OverlapFilter): a range run also records the features its filter dropped
//    (features/dropped.jsonl), and the merge replays the filter across the boundaries;
//  * a carved file's parent may lie in an earlier range: parents are derived again from the
//    joined list.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace trawl::detail {

struct MergeReport {
  std::uint64_t image_size = 0;
  std::size_t parts = 0;
  std::uint64_t features = 0;
  std::uint64_t carved = 0;
};

// Throws Error(input) when the parts are not consecutive ranges of one image scanned with the
// same options (or a part is incomplete), Error(output) for the output folder.
// hashes: the folder of a whole-image run of the same image that computed its image hashes
// (e.g. `--block-hash none --find none --carve none`, run beside the range runs), or empty.
MergeReport merge_ranges(const std::vector<std::filesystem::path>& parts, const std::filesystem::path& output, bool force,
                         const std::filesystem::path& hashes = {});

}  // namespace trawl::detail
