// RIFF containers: WAV, AVI (with its AVIX continuation lists past 1 GiB) and WebP. The length is
// in the header; the chunk walk inside must land exactly on it.
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"RIFF", {}, 0}};

bool is_fourcc(const ByteView& v, std::uint64_t pos) {
  for (int i = 0; i < 4; ++i) {
    const unsigned c = v.u8(pos + i);
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Walks the chunks in [pos, end). Returns false when a chunk header is not one or overruns end.
bool walk_chunks(const ByteView& v, std::uint64_t pos, std::uint64_t end, bool& saw_fmt) {
  while (pos < end) {
    if (end - pos < 8 || !is_fourcc(v, pos)) return false;
    if (v.equals(pos, "fmt ")) saw_fmt = true;
    const std::uint64_t size = v.u32le(pos + 4);
    const std::uint64_t next = pos + 8 + size + (size & 1);
    // The last chunk's pad byte is sometimes missing: the RIFF size then stops just before it.
    if (next > end && !(next == end + 1 && (size & 1))) return false;
    pos = next;
  }
  return true;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 20)) return not_this();
  const std::uint64_t end = 8 + std::uint64_t{v.u32le(4)};
  std::string_view type;
  if (v.equals(8, "WAVE"))
    type = "wav";
  else if (v.equals(8, "AVI "))
    type = "avi";
  else if (v.equals(8, "WEBP"))
    type = "webp";
  else
    return not_this();
  if (end < 20 || !is_fourcc(v, 12)) return not_this();
  if (type == "webp" && !(v.equals(12, "VP8 ") || v.equals(12, "VP8L") || v.equals(12, "VP8X"))) return not_this();
  if (type == "avi" && !v.equals(12, "LIST")) return not_this();
  bool saw_fmt = false;
  if (!walk_chunks(v, 12, end, saw_fmt)) return corrupt(0, "chunk walk does not match the RIFF size");
  if (type == "wav" && !saw_fmt) return corrupt(0, "WAVE without a fmt chunk");
  (void)v.u8(end - 1);
  std::uint64_t length = end;
  // OpenDML AVI: RIFF 'AVIX' lists follow the first one directly.
  while (type == "avi" && v.has(length, 12) && v.equals(length, "RIFF") && v.equals(length + 8, "AVIX")) {
    const std::uint64_t next = length + 8 + std::uint64_t{v.u32le(length + 4)};
    if (!walk_chunks(v, length + 12, next, saw_fmt)) return corrupt(length, "bad AVIX list");
    (void)v.u8(next - 1);
    length = next;
  }
  Carve c = valid(length);
  c.subtype = type;
  c.extension = type;
  return c;
}

}  // namespace

const CarverSpec riff_spec{"riff", "riff", "RIFF: WAV audio, AVI video, WebP image", 4ull << 30, signatures, walk};

}  // namespace trawl::carvers
