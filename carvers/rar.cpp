// RAR 1.5–4.x and RAR 5: a block walk from the marker to the end-of-archive block, checking every
// block header's CRC (RAR 4: low 16 bits of CRC-32; RAR 5: CRC-32) and skipping packed data by
// the sizes the headers give.
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

using namespace std::literals;

constexpr Signature signatures[] = {{"Rar!\x1A\x07"sv, {}, 0}};
constexpr std::uint64_t max_blocks = 1 << 20;

Carve walk_rar4(const ByteView& v) {
  std::uint64_t pos = 7;
  for (std::uint64_t n = 0; n < max_blocks; ++n) {
    const unsigned crc = v.u16le(pos), type = v.u8(pos + 2), flags = v.u16le(pos + 3);
    const std::uint64_t header = v.u16le(pos + 5);
    const bool first = n == 0;
    if (header < 7 || type < 0x72 || type > 0x7B || (first && type != 0x73))
      return first ? not_this() : corrupt(pos, "not a block header");
    if ((crc32_of(v, pos + 2, header - 2) & 0xFFFF) != crc) return first ? not_this() : corrupt(pos, "block header CRC mismatch");
    std::uint64_t data = 0;
    if (type == 0x74 || type == 0x7A) {  // file and service headers: packed size, high half when flagged
      data = v.u32le(pos + 7);
      if (flags & 0x100) data |= std::uint64_t{v.u32le(pos + 32)} << 32;
    } else if (flags & 0x8000) {
      data = v.u32le(pos + 7);
    }
    if (type == 0x7B) return valid(pos + header);
    pos += header + data;
  }
  return corrupt(pos, "too many blocks");
}

// RAR 5 variable-length integer: 7 bits per byte, low first, high bit = more.
std::uint64_t vint(const ByteView& v, std::uint64_t& pos) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const unsigned b = v.u8(pos++);
    value |= std::uint64_t{b & 0x7F} << shift;
    if (!(b & 0x80)) return value;
  }
  throw EndOfView();  // more than 10 bytes: not a number (treated as the structure running out)
}

Carve walk_rar5(const ByteView& v) {
  std::uint64_t pos = 8;
  for (std::uint64_t n = 0; n < max_blocks; ++n) {
    const bool first = n == 0;
    const std::uint32_t crc = v.u32le(pos);
    std::uint64_t p = pos + 4;
    const std::uint64_t size = vint(v, p);
    if (size == 0 || size > (2u << 20)) return first ? not_this() : corrupt(pos, "bad header size");
    if (crc32_of(v, pos + 4, p - (pos + 4) + size) != crc) return first ? not_this() : corrupt(pos, "block header CRC mismatch");
    const std::uint64_t end_of_header = p + size;
    const std::uint64_t type = vint(v, p), flags = vint(v, p);
    if (type < 1 || type > 5 || (first && type != 1)) return first ? not_this() : corrupt(pos, "unknown block type");
    if (flags & 1) (void)vint(v, p);  // extra area size
    const std::uint64_t data = (flags & 2) ? vint(v, p) : 0;
    if (p > end_of_header) return corrupt(pos, "header fields overrun the header");
    if (type == 5) return valid(end_of_header + data);
    if (type == 4) return corrupt(pos, "headers are encrypted: the end cannot be found");
    pos = end_of_header + data;
  }
  return corrupt(pos, "too many blocks");
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 20)) return not_this();
  if (v.u8(6) == 0x00) return walk_rar4(v);
  if (v.u8(6) == 0x01 && v.u8(7) == 0x00) return walk_rar5(v);
  return not_this();
}

}  // namespace

const CarverSpec rar_spec{"rar", "rar", "RAR archive (1.5–4.x and 5)", 16ull << 30, signatures, walk};

}  // namespace trawl::carvers
