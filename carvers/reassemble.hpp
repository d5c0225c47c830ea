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
//         (Adler-32), then the walk (every xref entry checked, every stream's /Length); taken only
//         when exactly one (split point, gap) passes over every %%EOF and gap tried.
//   gzip  the deflate stream: zlib's state is kept at the candidate split points (inflateCopy),
//         and each gap is tried by inflating the second piece from there to the stream's end,
//         where the trailer's length must match (the walk then checks its CRC-32); sectors that
//         do not look like compressed data end a trial, and a trial's output is charged too. Split points: where inflate stopped, where a constant run
//         or low-entropy sectors begin before it, and the 32 sectors before it.
//   jpeg  sequential Huffman scans (jpeg_scan.hpp): the scan where decoding stopped is decoded once
//         with every block's DC coefficient, keeping the decoder's state (bit position, DC
//         predictors, MCU and restart counts) at the last MCU boundary before each sector boundary.
//         Split points (16 at most): where decoding stopped, where piece 1's image stops being
//         continuous (the data decoded on past the split: zeros, another JPEG), where a run of one
//         byte value or of sparse sectors begins, the sectors before the stop. The gaps are tried
//         smallest first, each over all split points, by decoding on from the kept state over the
//         image after the gap (past the seam rows, where a trial goes depends only on its state:
//         one memo per search tells how decoding from a state met before ended, so trials that
//         fall into the same data, the picture's own later scan data, cost it once). Decoding alone is not
//         enough (another JPEG's scan data made with the same standard tables decodes to the
//         right MCU count and ends on a marker), so the content is checked across the split: the
//         DC of each block in the two MCU rows after the split against the block above it
//         (the first row's in piece 1), as a mean jump over the mean jump of the two rows before
//         the split; a trial ends as soon as its running seam score is far too high, and one
//         over 3 at the end of the two rows is rejected. Then the whole scan must decode to
//         exactly the frame's MCU count (restart markers in sequence where the file has them)
//         and end on a marker, and the walk must say valid. Of all the candidates that pass, the
//         best seam score is taken only when it is at most 3 and no other passes at or under 3
//         or within twice it (a near-duplicate JPEG, the same picture saved twice, continues a
//         split as well as the real piece; then nothing is written). A search the budget stops
//         still takes a candidate that passed all this.
//         Not searched: progressive and arithmetic-coded JPEGs, splits in the first MCU row.
// Formats without a search here are left as the walk found them.
//
// Every format: no reassembly is taken whose gap d puts a signature of the format at the first
// piece's start plus d (piece 2 would then be that file's own contiguous continuation: a
// truncated file followed by another of its type from the same program, first sectors alike),
// nor one whose gap holds the start of a file of the format that reaches past the gap (piece 2
// may be that file's, itself in two pieces; ZIP aside, whose every member starts with a signature).
//
// Bounded work: every check charges the bytes it reads (a JPEG trial 4 times the bytes it decodes:
// decoding bit by bit costs that much more than a CRC); a file stops at file_budget, and all the
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
