// GZIP: header (with its optional extra field, name, comment and header CRC), the deflate stream
// inflated to find its real end, and the trailer, whose CRC-32 and length must match what was
// inflated. One member per file: a member that starts right after another is carved on its own.
#include "carvers/deflate.hpp"
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"\x1F\x8B\x08", {}, 0}};

// Skips a zero-terminated field of at most `limit` bytes; nullopt when it does not end in time.
std::optional<std::uint64_t> skip_string(const ByteView& v, std::uint64_t pos, std::uint64_t limit) {
  auto nul = v.find(std::string_view("\0", 1), pos, pos + limit);
  if (!nul) return std::nullopt;
  return *nul + 1;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 18)) return not_this();
  const unsigned flags = v.u8(3), xfl = v.u8(8), os = v.u8(9);
  if ((flags & 0xE0) || (xfl != 0 && xfl != 2 && xfl != 4) || (os > 13 && os != 255)) return not_this();
  std::uint64_t pos = 10;
  if (flags & 4) pos += 2 + std::uint64_t{v.u16le(pos)};  // FEXTRA
  if (flags & 8) {                                         // FNAME
    auto after = skip_string(v, pos, 4096);
    if (!after) return not_this();
    pos = *after;
  }
  if (flags & 16) {  // FCOMMENT
    auto after = skip_string(v, pos, 1 << 16);
    if (!after) return not_this();
    pos = *after;
  }
  if (flags & 2) pos += 2;  // FHCRC
  // A deflate stream cannot expand more than 1032:1; anything claiming more is not one.
  auto inflated = inflate_raw(v, pos, v.size() - std::min(v.size(), pos), std::uint64_t{1} << 40);
  if (!inflated) {
    // A stream that decoded for a sector or more before it went wrong is a damaged (or
    // fragmented) file; one that fails at once is a chance match of the signature.
    const std::uint64_t stop = pos + inflate_stop_at(v, pos, v.size() - std::min(v.size(), pos));
    return stop >= 512 ? corrupt(stop, "deflate data does not decode") : not_this();
  }
  const std::uint64_t trailer = pos + inflated->consumed;
  if (v.u32le(trailer) != inflated->crc || v.u32le(trailer + 4) != (inflated->produced & 0xFFFFFFFF))
    return corrupt(trailer, "trailer CRC or length does not match the data");
  return valid(trailer + 8);
}

}  // namespace

const CarverSpec gzip_spec{"gzip", "gz", "GZIP compressed file", 4ull << 30, signatures, walk};

}  // namespace trawl::carvers
