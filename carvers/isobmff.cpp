// ISO base media files (MP4, MOV, 3GP, M4A, HEIC/AVIF, CR3): a walk over the top-level boxes that
// starts at "ftyp" and stops at the first thing that is not a known top-level box. The movie's
// chunk offsets (stco/co64 inside moov) must all point inside the file: a file cut short or
// with its media data overwritten fails that.
#include <string_view>

#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"ftyp", {}, 4}};

constexpr std::string_view top_level[] = {"ftyp", "moov", "mdat", "free", "skip", "wide", "uuid", "meta", "moof",
                                          "mfra", "styp", "sidx", "ssix", "prft", "pdin", "udta", "pnot", "emsg"};
constexpr std::string_view containers[] = {"moov", "trak", "mdia", "minf", "stbl", "edts", "dinf", "mvex"};
constexpr std::uint64_t max_chunk_offsets = 1 << 22;  // read per file, over all tracks

std::string fourcc(const ByteView& v, std::uint64_t pos) {
  std::string s(4, '\0');
  v.read(pos, std::as_writable_bytes(std::span(s)));
  return s;
}

template <std::size_t N>
bool one_of(const std::string& s, const std::string_view (&list)[N]) {
  for (auto x : list)
    if (s == x) return true;
  return false;
}

std::string_view subtype_of(const std::string& brand) {
  if (brand == "qt  ") return "mov";
  if (brand.rfind("3g", 0) == 0) return "3gp";
  if (brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis" || brand == "mif1" || brand == "msf1")
    return "heic";
  if (brand == "avif" || brand == "avis") return "avif";
  if (brand == "M4A " || brand == "M4B ") return "m4a";
  if (brand == "M4V ") return "m4v";
  if (brand == "crx ") return "cr3";
  return "mp4";
}

// Checks every stco/co64 entry under the container box [pos, end) against the file length.
// Returns false on an offset outside the file. `budget` bounds the entries read in total.
bool chunk_offsets_inside(const ByteView& v, std::uint64_t pos, std::uint64_t end, std::uint64_t length, int depth,
                          std::uint64_t& budget) {
  while (pos + 8 <= end && depth < 8) {
    std::uint64_t size = v.u32be(pos), header = 8;
    const std::string type = fourcc(v, pos + 4);
    if (size == 1) size = v.u64be(pos + 8), header = 16;
    if (size < header || pos + size > end) return false;
    if (type == "stco" || type == "co64") {
      const std::uint64_t count = v.u32be(pos + header + 4), width = type == "stco" ? 4 : 8;
      if (header + 8 + count * width > size) return false;
      for (std::uint64_t i = 0; i < count && budget > 0; ++i, --budget) {
        const std::uint64_t at = pos + header + 8 + i * width;
        const std::uint64_t offset = width == 4 ? v.u32be(at) : v.u64be(at);
        if (offset >= length) return false;
      }
    } else if (one_of(type, containers)) {
      if (!chunk_offsets_inside(v, pos + header, pos + size, length, depth + 1, budget)) return false;
    }
    pos += size;
  }
  return true;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 16)) return not_this();
  const std::uint64_t ftyp_size = v.u32be(0);
  if (ftyp_size < 16 || ftyp_size > 4096 || ftyp_size % 4 != 0) return not_this();
  const std::string brand = fourcc(v, 8);
  for (char c : brand)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ')) return not_this();
  std::uint64_t pos = 0, moov = 0, moov_size = 0;
  bool mdat = false, meta = false, moof = false;
  while (v.has(pos, 8)) {
    std::uint64_t size = v.u32be(pos), header = 8;
    const std::string type = fourcc(v, pos + 4);
    if (!one_of(type, top_level)) break;  // the file ended before this
    if (size == 1) size = v.u64be(pos + 8), header = 16;
    if (size == 0) return corrupt(pos, "last box runs to the end of the file: length unknown");
    if (size < header) return pos == 0 ? not_this() : corrupt(pos, "box smaller than its header");
    if (type == "moov") moov = pos, moov_size = size;
    if (type == "mdat") mdat = true;
    if (type == "meta") meta = true;
    if (type == "moof") moof = true;
    (void)v.u8(pos + size - 1);  // the box must be in the view
    pos += size;
  }
  const std::string_view subtype = subtype_of(brand);
  if (subtype == "heic" || subtype == "avif") {
    if (!meta) return corrupt(pos, "no meta box");
  } else if (!moov || (!mdat && !moof)) {
    return corrupt(pos, "no moov or no media data");
  }
  std::uint64_t budget = max_chunk_offsets;
  if (moov && !chunk_offsets_inside(v, moov + 8, moov + moov_size, pos, 0, budget))
    return corrupt(moov, "a chunk offset points outside the file");
  Carve c = valid(pos);
  c.subtype = subtype;
  c.extension = subtype;
  return c;
}

}  // namespace

const CarverSpec isobmff_spec{"isobmff", "mp4", "ISO base media: MP4, MOV, 3GP, M4A, HEIC, AVIF, CR3", 8ull << 30,
                              signatures, walk};

}  // namespace trawl::carvers
