// GIF87a/GIF89a: header, optional global colour table, then a block walk (extensions and images,
// each a chain of sub-blocks) up to the trailer byte 0x3B. Each image's LZW code stream is decoded
// (lengths only, no pixels kept): every code must exist when it is read and the codes must
// produce exactly width × height pixels. The sub-block chain alone can resynchronise after
// damage; the code stream cannot.
#include <algorithm>
#include <array>
#include <optional>

#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"GIF87a", {}, 0}, {"GIF89a", {}, 0}};

// Skips a chain of data sub-blocks (length byte, bytes), ending with a zero length. Returns the
// position after the terminator. Each turn advances by at least one byte.
std::uint64_t skip_sub_blocks(const ByteView& v, std::uint64_t pos) {
  for (unsigned n; (n = v.u8(pos)) != 0;) pos += 1 + n;
  return pos + 1;
}

// Decodes the LZW codes of one image from its sub-blocks at pos; returns the pixel count, or
// nullopt for a code that does not exist yet. `end` receives the position after the terminator.
std::optional<std::uint64_t> lzw_pixels(const ByteView& v, std::uint64_t pos, unsigned min_code_size, std::uint64_t& end) {
  const unsigned clear = 1u << min_code_size, eoi = clear + 1;
  std::uint16_t length[4096];  // length of each dictionary string, in pixels
  for (unsigned c = 0; c < clear; ++c) length[c] = 1;
  unsigned next = clear + 2, width = min_code_size + 1;
  int previous = -1;
  std::uint64_t pixels = 0;
  std::uint32_t bits = 0;
  unsigned have = 0;
  bool done = false;
  for (unsigned n; (n = v.u8(pos)) != 0; pos += 1 + n) {
    if (done) continue;  // bytes after the end code: walk the chain, ignore the data
    auto block = v.window(pos + 1, n);
    std::array<std::byte, 255> copy;
    if (block.size() < n) {  // a sub-block split between cache blocks
      v.read(pos + 1, std::span(copy.data(), n));
      block = std::span<const std::byte>(copy.data(), n);
    }
    for (std::size_t i = 0; i < n && !done; ++i) {
      bits |= std::to_integer<std::uint32_t>(block[i]) << have;
      have += 8;
      while (have >= width && !done) {
        const unsigned code = bits & ((1u << width) - 1);
        bits >>= width;
        have -= width;
        if (code == clear) {
          next = clear + 2, width = min_code_size + 1, previous = -1;
        } else if (code == eoi) {
          done = true;
        } else {
          if (code > next || (code == next && previous < 0)) return std::nullopt;
          const unsigned len = code == next ? length[previous] + 1 : length[code];
          pixels += len;
          if (previous >= 0 && next < 4096) {
            length[next] = static_cast<std::uint16_t>(std::min(length[previous] + 1, 65535));
            ++next;
            if (next == (1u << width) && width < 12) ++width;
          }
          previous = static_cast<int>(code);
        }
      }
    }
  }
  end = pos + 1;
  return pixels;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 14)) return not_this();
  if (v.u16le(6) == 0 || v.u16le(8) == 0) return not_this();
  const unsigned flags = v.u8(10);
  std::uint64_t pos = 13;
  if (flags & 0x80) pos += 3u * (2u << (flags & 7));
  int images = 0;
  for (bool first = true;; first = false) {
    const unsigned block = v.u8(pos);
    if (block == 0x21) {  // extension: label, then sub-blocks
      pos = skip_sub_blocks(v, pos + 2);
    } else if (block == 0x2C) {  // image descriptor, local colour table, LZW code size, data
      const std::uint64_t pixels = std::uint64_t{v.u16le(pos + 5)} * v.u16le(pos + 7);
      const unsigned image_flags = v.u8(pos + 9);
      const std::uint64_t image = pos;
      pos += 10;
      if (image_flags & 0x80) pos += 3u * (2u << (image_flags & 7));
      const unsigned lzw = v.u8(pos);
      if (lzw < 2 || lzw > 8) return first ? not_this() : corrupt(pos, "bad LZW code size");
      auto decoded = lzw_pixels(v, pos + 1, lzw, pos);
      if (!decoded || *decoded != pixels) return first ? not_this() : corrupt(image, "image data does not decode to its size");
      ++images;
    } else if (block == 0x3B) {
      return images ? valid(pos + 1) : (first ? not_this() : corrupt(pos, "trailer before any image"));
    } else {
      return first ? not_this() : corrupt(pos, "unknown block");
    }
  }
}

}  // namespace

const CarverSpec gif_spec{"gif", "gif", "GIF image", 128ull << 20, signatures, walk};

}  // namespace trawl::carvers
