// PNG: the chunk walk from IHDR to IEND, checking every chunk's CRC-32 on the way, so an
// overwritten or fragmented image is caught at the first damaged chunk.
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"\x89PNG\r\n\x1A\n", {}, 0}};

bool is_chunk_type(const ByteView& v, std::uint64_t pos) {
  for (int i = 0; i < 4; ++i) {
    const unsigned c = v.u8(pos + i);
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 33)) return not_this();
  // IHDR: always first, 13 bytes, with values the specification allows.
  if (v.u32be(8) != 13 || !v.equals(12, "IHDR")) return not_this();
  const unsigned depth = v.u8(24), color = v.u8(25);
  const bool depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
  const bool color_ok = color == 0 || color == 2 || color == 3 || color == 4 || color == 6;
  if (v.u32be(16) == 0 || v.u32be(20) == 0 || !depth_ok || !color_ok || v.u8(26) != 0 || v.u8(27) != 0 || v.u8(28) > 1)
    return not_this();
  bool idat = false;
  std::uint64_t pos = 8;  // at a chunk's length field
  for (;;) {
    const std::uint64_t length = v.u32be(pos);
    if (length > 0x7FFFFFFF || !is_chunk_type(v, pos + 4)) return corrupt(pos, "not a chunk header");
    if (crc32_of(v, pos + 4, 4 + length) != v.u32be(pos + 8 + length))
      return pos == 8 ? not_this() : corrupt(pos, "CRC mismatch in a chunk");
    if (v.equals(pos + 4, "IDAT")) idat = true;
    if (v.equals(pos + 4, "IEND")) return idat ? valid(pos + 12 + length) : corrupt(pos, "IEND without image data");
    pos += 12 + length;
  }
}

}  // namespace

const CarverSpec png_spec{"png", "png", "PNG image", 256ull << 20, signatures, walk};

}  // namespace trawl::carvers
