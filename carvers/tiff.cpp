// TIFF (and the camera raw formats built on it): the file ends at the furthest byte that any
// IFD refers to: the IFDs themselves, out-of-line tag values, strips and tiles, and the IFDs
// chained from them (next IFD, SubIFDs, EXIF, GPS, interoperability). Each IFD is visited once.
#include <algorithm>
#include <vector>

#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

using namespace std::literals;

constexpr Signature signatures[] = {{"II*\0"sv, {}, 0}, {"MM\0*"sv, {}, 0}};

constexpr unsigned max_ifds = 512;
constexpr unsigned max_entries = 4096;
constexpr std::uint64_t max_array = 1 << 20;  // strip/tile counts read per IFD

struct Reader {
  const ByteView& v;
  bool little;
  std::uint64_t u16(std::uint64_t pos) const { return little ? v.u16le(pos) : v.u16be(pos); }
  std::uint64_t u32(std::uint64_t pos) const { return little ? v.u32le(pos) : v.u32be(pos); }
};

std::uint64_t type_size(unsigned type) {
  static constexpr unsigned sizes[] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4};
  return type < std::size(sizes) ? sizes[type] : 0;
}

// The values of a SHORT or LONG array tag (strip offsets, byte counts, IFD pointers).
std::vector<std::uint64_t> array_values(const Reader& r, std::uint64_t entry, unsigned type, std::uint64_t count) {
  std::vector<std::uint64_t> out;
  if ((type != 3 && type != 4 && type != 13) || count > max_array) return out;
  const std::uint64_t size = type == 3 ? 2 : 4;
  const std::uint64_t at = count * size <= 4 ? entry + 8 : r.u32(entry + 8);
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) out.push_back(size == 2 ? r.u16(at + i * 2) : r.u32(at + i * 4));
  return out;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 16)) return not_this();
  const Reader r{v, v.u8(0) == 'I'};
  const std::uint64_t first = r.u32(4);
  if (first < 8) return not_this();
  std::uint64_t end = 8;
  std::vector<std::uint64_t> pending{first}, visited;
  bool image = false;
  while (!pending.empty()) {
    const std::uint64_t ifd = pending.back();
    pending.pop_back();
    if (std::find(visited.begin(), visited.end(), ifd) != visited.end()) continue;
    if (visited.size() >= max_ifds) return corrupt(0, "too many IFDs");
    const bool is_first = visited.empty();
    visited.push_back(ifd);
    const std::uint64_t entries = r.u16(ifd);
    if (entries == 0 || entries > max_entries) return is_first ? not_this() : corrupt(ifd, "bad IFD entry count");
    end = std::max(end, ifd + 2 + 12 * entries + 4);
    std::vector<std::uint64_t> offsets, counts;
    unsigned previous_tag = 0, bad_order = 0;
    for (std::uint64_t i = 0; i < entries; ++i) {
      const std::uint64_t e = ifd + 2 + 12 * i;
      const unsigned tag = static_cast<unsigned>(r.u16(e)), type = static_cast<unsigned>(r.u16(e + 2));
      const std::uint64_t count = r.u32(e + 4);
      const std::uint64_t size = type_size(type);
      if (size == 0) return is_first ? not_this() : corrupt(e, "bad tag type");
      if (tag < previous_tag) ++bad_order;
      previous_tag = tag;
      if (count > (std::uint64_t{1} << 32) / size) return corrupt(e, "tag value too long");
      if (count * size > 4) end = std::max(end, r.u32(e + 8) + count * size);
      if (is_first && (tag == 256 || tag == 257)) image = true;
      if (tag == 273 || tag == 324) offsets = array_values(r, e, type, count);
      if (tag == 279 || tag == 325) counts = array_values(r, e, type, count);
      if (tag == 513 && count == 1) offsets.push_back(r.u32(e + 8));  // JPEG thumbnail offset and length
      if (tag == 514 && count == 1) counts.push_back(r.u32(e + 8));
      if (tag == 330 || tag == 34665 || tag == 34853 || tag == 40965)  // SubIFDs, EXIF, GPS, interoperability
        for (auto p : array_values(r, e, type == 13 ? 4 : type, count))
          if (p >= 8) pending.push_back(p);
    }
    // Tags must be in ascending order; one writer's slip is tolerated, garbage is not.
    if (bad_order > 1) return is_first ? not_this() : corrupt(ifd, "IFD tags out of order");
    for (std::size_t k = 0; k < std::min(offsets.size(), counts.size()); ++k) end = std::max(end, offsets[k] + counts[k]);
    if (const std::uint64_t next = r.u32(ifd + 2 + 12 * entries)) pending.push_back(next);
  }
  if (!image) return not_this();
  (void)v.u8(end - 1);
  return valid(end);
}

}  // namespace

const CarverSpec tiff_spec{"tiff", "tif", "TIFF image (and TIFF-based camera raw)", 512ull << 20, signatures, walk};

}  // namespace trawl::carvers
