// 7z: the start header gives the position, size and CRC-32 of the next header, which sits at the
// very end of the archive; the start header has its own CRC. Both CRCs must hold.
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"7z\xBC\xAF\x27\x1C", {}, 0}};
constexpr std::uint64_t max_next_header = 256 << 20;

Carve walk(const ByteView& v) {
  if (!v.has(0, 32)) return not_this();
  if (v.u8(6) != 0 || v.u8(7) > 4) return not_this();  // format version 0.x
  if (crc32_of(v, 12, 20) != v.u32le(8)) return not_this();
  const std::uint64_t offset = v.u64le(12), size = v.u64le(20);
  if (size == 0 || size > max_next_header || offset > (std::uint64_t{1} << 44)) return corrupt(0, "bad next header position");
  const std::uint64_t next = 32 + offset;
  if (crc32_of(v, next, size) != v.u32le(28)) return corrupt(next, "next header CRC mismatch");
  const unsigned id = v.u8(next);
  if (id != 0x01 && id != 0x17) return corrupt(next, "next header is neither a header nor an encoded header");
  return valid(next + size);
}

}  // namespace

const CarverSpec sevenzip_spec{"7z", "7z", "7-Zip archive", 16ull << 30, signatures, walk};

}  // namespace trawl::carvers
