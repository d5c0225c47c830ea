// BMP (Windows and OS/2 bitmaps): the length is in the header; the header is checked field by
// field (planes, depth, compression, DIB size, pixel offset) and the pixel array must fit in it.
// A BMP has no inner structure to catch fragmentation, so a header that agrees with itself and
// a length inside the image is all a verdict can rest on.
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"BM", {}, 0}};

Carve walk(const ByteView& v) {
  if (!v.has(0, 54)) return not_this();
  const std::uint64_t file_size = v.u32le(2), pixels = v.u32le(10), dib = v.u32le(14);
  if (v.u32le(6) != 0) return not_this();  // reserved fields
  if (dib != 12 && dib != 40 && dib != 52 && dib != 56 && dib != 64 && dib != 108 && dib != 124) return not_this();
  std::int64_t width, height;
  unsigned planes, depth, compression = 0;
  std::uint64_t image_size = 0;
  if (dib == 12) {
    width = v.u16le(18);
    height = v.u16le(20);
    planes = v.u16le(22);
    depth = v.u16le(24);
  } else {
    width = static_cast<std::int32_t>(v.u32le(18));
    height = static_cast<std::int32_t>(v.u32le(22));
    planes = v.u16le(26);
    depth = v.u16le(28);
    compression = v.u32le(30);
    image_size = v.u32le(34);
  }
  const std::uint64_t rows = static_cast<std::uint64_t>(height < 0 ? -height : height);
  if (planes != 1 || width <= 0 || width > 65536 || rows == 0 || rows > 65536) return not_this();
  if (depth != 1 && depth != 4 && depth != 8 && depth != 16 && depth != 24 && depth != 32) return not_this();
  if (compression > 6 || pixels < 14 + dib || pixels >= file_size) return not_this();
  if (compression == 0 || compression == 3 || compression == 6) {
    const std::uint64_t row_bytes = (static_cast<std::uint64_t>(width) * depth + 31) / 32 * 4;
    if (pixels + row_bytes * rows > file_size) return not_this();
  } else if (image_size == 0 || pixels + image_size > file_size) {
    return not_this();
  }
  (void)v.u8(file_size - 1);  // the whole file must be in the view
  return valid(file_size);
}

}  // namespace

const CarverSpec bmp_spec{"bmp", "bmp", "Windows bitmap", 256ull << 20, signatures, walk};

}  // namespace trawl::carvers
