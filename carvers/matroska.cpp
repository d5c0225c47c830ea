// Matroska and WebM: the EBML header (its DocType, "matroska" or "webm", is the subtype), then
// the Segment, whose children must tile it exactly when its size is known. Clusters of unknown
// size (live recordings, browsers' MediaRecorder) are walked by their children and end at the
// first element that cannot be a cluster's child; a segment of unknown size ends at the first
// element that cannot be a segment's child.
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"\x1A\x45\xDF\xA3", {}, 0}};

constexpr std::uint32_t segment_id = 0x18538067, cluster_id = 0x1F43B675;
constexpr std::uint32_t segment_children[] = {0x114D9B74, 0x1549A966, 0x1654AE6B, cluster_id, 0x1C53BB6B,
                                              0x1941A469, 0x1043A770, 0x1254C367, 0xEC,       0xBF};
constexpr std::uint32_t cluster_children[] = {0xE7, 0xA3, 0xA0, 0xA7, 0xAB, 0x5854, 0xAF, 0xEC, 0xBF, 0xA1};
constexpr std::uint64_t unknown = UINT64_MAX;

struct Element {
  std::uint32_t id;
  std::uint64_t size;    // unknown: all value bits set
  std::uint64_t header;  // bytes of id and size
};

// An EBML variable-length integer at pos: its length (1..max) and value (marker removed, or kept
// for IDs). nullopt when the first byte has no marker within max bytes.
std::optional<std::pair<unsigned, std::uint64_t>> vint(const ByteView& v, std::uint64_t pos, unsigned max, bool keep_marker) {
  const unsigned first = v.u8(pos);
  unsigned len = 1;
  while (len <= 8 && !(first & (0x80u >> (len - 1)))) ++len;
  if (len > max) return std::nullopt;
  std::uint64_t value = keep_marker ? first : first & ((0x80u >> (len - 1)) - 1);
  bool all_ones = value == ((0x80u >> (len - 1)) - 1);
  for (unsigned i = 1; i < len; ++i) {
    const unsigned b = v.u8(pos + i);
    value = value << 8 | b;
    all_ones = all_ones && b == 0xFF;
  }
  if (!keep_marker && all_ones) value = unknown;
  return std::pair{len, value};
}

std::optional<Element> element_at(const ByteView& v, std::uint64_t pos) {
  const auto id = vint(v, pos, 4, true);
  if (!id) return std::nullopt;
  const auto size = vint(v, pos + id->first, 8, false);
  if (!size) return std::nullopt;
  return Element{static_cast<std::uint32_t>(id->second), size->second, id->first + std::uint64_t{size->first}};
}

template <std::size_t N>
bool one_of(std::uint32_t id, const std::uint32_t (&list)[N]) {
  for (auto x : list)
    if (x == id) return true;
  return false;
}

// Walks the children of [pos, end) (end unknown: until an element not in `children`). Returns the
// position after the last child, or nullopt when a child overruns `end` or is not one.
std::optional<std::uint64_t> walk_children(const ByteView& v, std::uint64_t pos, std::uint64_t end, bool in_segment,
                                           unsigned& budget) {
  while (end == unknown ? v.has(pos, 2) : pos < end) {
    if (budget-- == 0) return std::nullopt;
    const auto e = element_at(v, pos);
    const bool known = e && (in_segment ? one_of(e->id, segment_children) : one_of(e->id, cluster_children));
    if (!known) {
      if (end == unknown) return pos;
      return std::nullopt;
    }
    if (e->size == unknown) {
      // Only a cluster may have an unknown size: it ends where its children end.
      if (!in_segment || e->id != cluster_id) return std::nullopt;
      const auto after = walk_children(v, pos + e->header, unknown, false, budget);
      if (!after) return std::nullopt;
      pos = *after;
      continue;
    }
    const std::uint64_t next = pos + e->header + e->size;
    if (next < pos || (end != unknown && next > end)) return std::nullopt;
    if (e->id == cluster_id && in_segment) {
      if (!walk_children(v, pos + e->header, next, false, budget)) return std::nullopt;
    }
    (void)v.u8(next - 1);
    pos = next;
  }
  return pos;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 16)) return not_this();
  const auto header = element_at(v, 0);
  if (!header || header->size == unknown || header->size > 4096) return not_this();
  const std::uint64_t header_end = header->header + header->size;
  // The DocType (0x4282) among the header's children.
  std::string_view doctype;
  for (std::uint64_t pos = header->header; pos < header_end;) {
    const auto e = element_at(v, pos);
    if (!e || e->size == unknown || pos + e->header + e->size > header_end) return not_this();
    if (e->id == 0x4282) {
      if (e->size == 8 && v.equals(pos + e->header, "matroska")) doctype = "matroska";
      if (e->size >= 4 && v.equals(pos + e->header, "webm") && (e->size == 4 || v.u8(pos + e->header + 4) == 0)) doctype = "webm";
    }
    pos += e->header + e->size;
  }
  if (doctype.empty()) return not_this();
  // Void elements may sit between the header and the segment.
  std::uint64_t pos = header_end;
  const auto segment = element_at(v, pos);
  if (!segment || segment->id != segment_id) return corrupt(pos, "no Segment after the EBML header");
  const std::uint64_t start = pos + segment->header;
  const std::uint64_t end = segment->size == unknown ? unknown : start + segment->size;
  unsigned budget = 1u << 24;  // elements walked, over all levels
  const auto after = walk_children(v, start, end, true, budget);
  if (!after) return corrupt(pos, "an element of the Segment does not fit in it");
  if (*after == start) return corrupt(pos, "empty Segment");
  Carve c = valid(*after);
  c.subtype = doctype;
  c.extension = doctype == "webm" ? "webm" : "mkv";
  return c;
}

}  // namespace

const CarverSpec matroska_spec{"matroska", "mkv", "Matroska and WebM video", 8ull << 30, signatures, walk};

}  // namespace trawl::carvers
