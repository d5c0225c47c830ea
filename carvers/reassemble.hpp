// Bifragment gap carving (Garfinkel, 2007): a file whose structure breaks partway may have been
// stored in two pieces with other data between them. The first piece ends at a sector boundary
// at or before the break; the second starts at a sector boundary within a bounded gap after it.
// For a walk that failed (verdict corrupt), reassemble() tries such splits, cheapest checks first,
// and accepts one only when the format's own walk, run unchanged over a ByteView of the two runs,
// says the whole file is valid. So a reassembly is exactly as trustworthy as a contiguous carve.
//
// Per format, what locates the split (the candidates are the sector boundaries around the break,
// times the gaps of 1 .. max_gap/sector sectors; the candidates are tried one after another,
// each a cheap check, the walk only for those that pass):
//   png   the chunk whose CRC failed: the next chunk header must follow it in the second piece
//         (a 8-byte check per gap), its CRC must match, then the broken chunk's CRC over
//         piece 1 + piece 2 is tried at every split point with crc32_combine (linear in the chunk).
//   zip   the member whose end is not followed by a header: "PK\3\4" or "PK\1\2" must lie at
//         its end plus the gap; then the member's CRC over the two pieces (stored: crc32_combine;
//         deflated: inflating, from the split nearest to where inflate failed). A break inside the
//         central directory: the end-of-central-directory record, found after the break, gives
//         the gap exactly (its offset and size fields). A member with a data descriptor (its end
//         unknown from its header): every split point up to that record, walked in full.
//   sqlite pages lie at page size x number: the split is in or up to 16 pages before the first
//         page the layout found wrong (carvers/sqlite_layout.hpp); for each split point, up to 8
//         pages wholly after it that pages wholly before it refer to must fit what those expect
//         at their place + the gap (b-tree kind, header, first key in the parent's range; an
//         overflow page naming a page), memoised per page and gap; then the walk (every b-tree
//         from the schema, every page claimed once), and the split points one sector either side
//         must not validate (a split in unchecked bytes: record text, overflow content).
//   pdf   classic xref table only: "xref" at the startxref value + the gap gives the gap; the
//         entries give the split range (last object unmoved .. first moved, all moved ones found);
//         each sector boundary there: the object's FlateDecode stream inflated over both pieces
//         (Adler-32), then the walk (every xref entry checked); taken only when exactly one passes.
//   gzip  the deflate stream: zlib's state is kept at the candidate split points (inflateCopy),
//         and each gap is tried by inflating the second piece from there to the stream's end,
//         where the trailer's length must match (the walk then checks its CRC-32); sectors that
//         do not look like compressed data end a trial, and a trial's output is charged too. Split points: where inflate stopped, where a constant run
//         or low-entropy sectors begin before it, and the 32 sectors before it.
// Not JPEG: its walk decodes sequential scans (jpeg_scan.hpp), so a split JPEG is no longer
// carved as a valid file with the gap inside, but decoding checks codes and MCU counts, not
// content: a search over 2048 gaps found wrong continuations (another JPEG's scan data made
// with the same standard tables) that decode to the right MCU count and end on a marker. A
// JPEG search needs a content check (DC continuity across the split) first.
// Formats without a search here are left as the walk found them.
//
// Bounded work: every check charges the bytes it reads; a file stops at file_budget, and all the
// files of one scan share one global budget. The search never examines more than
// (break range / sector) x (max_gap / sector) candidates, each with a cheap check first.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "carvers/carver.hpp"

namespace trawl::carvers {

struct ReassembleOptions {
  std::uint64_t max_gap = 1 << 20;          // the largest gap between the pieces
  std::uint32_t sector = 512;               // pieces end and start at multiples of this (absolute)
  std::uint64_t file_budget = 32ull << 20;   // bytes examined per broken file
};

struct ReassembleResult {
  std::optional<Carve> carve;   // valid; length over both pieces; set when a reassembly validated
  std::vector<ByteRange> runs;  // the pieces (absolute, in file order) of that carve
  std::uint64_t candidates = 0;  // candidate reassemblies walked in full
  std::uint64_t examined = 0;    // bytes the search read (charged against the budgets)
  bool out_of_budget = false;    // the search stopped before trying every candidate
};

// True for the formats reassemble() searches.
bool can_reassemble(const CarverSpec& spec);

// `view`: the contiguous view the failed walk ran on (from the file's first byte); `broken`: what
// the walk said (corrupt). `global`: bytes left for the whole scan (may be null: no global bound).
ReassembleResult reassemble(const CarverSpec& spec, const ByteView& view, const Carve& broken, const ReassembleOptions& options,
                            std::atomic<std::int64_t>* global);

}  // namespace trawl::carvers
