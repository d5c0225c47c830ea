// What every file format contributes to carving, and the driver that runs a carver on a view.
//
// One file per format (carvers/<format>.cpp), PhotoRec style: an immutable descriptor with the
// format's name, extension, maximum size and signatures, plus a `walk` that follows the file's
// own structure from its first byte to its true end and gives a verdict. Walks read only through
// ByteView (bounds-checked), and every loop in a walk advances by at least one byte per turn and
// is bounded by the view, so garbage can make a walk fail but never crash or hang it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carvers/byte_view.hpp"

namespace trawl::carvers {

enum class Verdict : std::uint8_t {
  not_this_format,  // the header check failed: a chance match of the signature; never reported
  valid,            // the structure was walked to its end and every check on the way passed
  truncated,        // consistent as far as it goes, but the image, a bad sector or the size limit ends it first
  corrupt,          // a check after a good header failed (bad CRC, bad marker): overwritten or fragmented
};

std::string_view to_string(Verdict v);

// What a walk found.
struct Carve {
  Verdict verdict = Verdict::not_this_format;
  // Bytes from the first byte that belong to the file. valid: the exact length. truncated: all the
  // view holds. corrupt: up to the structure that failed (0 when unknown).
  std::uint64_t length = 0;
  std::string_view subtype;    // "docx", "webp", "mov"...; empty: the format's own type
  std::string_view extension;  // without the dot; empty: the format's default
  std::string note;            // why the verdict, for a person ("CRC mismatch in chunk IDAT")
  // Positions (from this file's start) where this format's signature matches again but no file
  // of the format starts: a ZIP's later members. Walking from there would only find that out
  // again (and, for an archive of n members, n times over), so the carve stage skips them.
  std::vector<std::uint64_t> inner_starts;
};

// A signature: the bytes that start (or, at `offset`, lie inside) every file of the format.
struct Signature {
  std::string_view bytes;  // literal bytes, at most 16
  std::string_view mask;   // empty: every byte must match; else one byte per byte, 0x00 = any value
  std::uint16_t offset = 0;  // where the bytes lie from the file's first byte (ISO-BMFF "ftyp": 4)
  // Only files that start at image offsets that are multiples of this (1: anywhere). For a
  // signature that random data and the file's own body match often (MP3 and ADTS frame syncs),
  // 512: a file system starts a file on a sector; the search drops the rest before any walk.
  std::uint16_t align = 1;
};

// True when the signature's bytes lie in the view at start + sig.offset and match under its mask:
// the comparison the signature search makes (kernels::masked_equal).
bool matches_at(const Signature& sig, const ByteView& view, std::uint64_t start);

struct CarverSpec {
  std::string_view type;         // "jpeg": the --carve name and the output folder
  std::string_view extension;    // default extension, without the dot
  std::string_view description;  // one line for people
  std::uint64_t max_size;        // no file of this format is carved longer than this
  std::span<const Signature> signatures;
  // Walks a candidate that starts at view position 0. Reads past the view's end throw EndOfView.
  Carve (*walk)(const ByteView& view);
  // True for formats whose walks report Carve::inner_starts: their candidates are walked in
  // image order, so that a later match inside an earlier file is skipped the same way every run.
  bool ordered = false;
};

// Every format trawl can carve, in a fixed order (their index is stable within a build).
std::span<const CarverSpec* const> all_carvers();
// The spec named `type`, or nullptr.
const CarverSpec* find_carver(std::string_view type);

// Runs spec.walk on the view and turns a read past the view's end into `truncated` (noting when
// the size limit, not the image, ended it). Never throws for any content of the view.
Carve carve(const CarverSpec& spec, const ByteView& view);

// The verdict helpers the walks use.
inline Carve not_this() { return {}; }
inline Carve valid(std::uint64_t length) { return {Verdict::valid, length, {}, {}, {}, {}}; }
inline Carve corrupt(std::uint64_t length, std::string note) { return {Verdict::corrupt, length, {}, {}, std::move(note), {}}; }
inline Carve truncated(std::uint64_t length, std::string note) { return {Verdict::truncated, length, {}, {}, std::move(note), {}}; }

// CRC-32 (zlib's polynomial, as PNG, ZIP, GZIP and 7z use it) of view bytes [pos, pos + len).
std::uint32_t crc32_of(const ByteView& view, std::uint64_t pos, std::uint64_t len);

}  // namespace trawl::carvers
