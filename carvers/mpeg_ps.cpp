// MPEG program streams (MPEG-1 system streams .mpg, MPEG-2 PS .mpg/.vob): pack headers (the
// MPEG-1 form of 12 bytes or the MPEG-2 form of 14 plus stuffing, marker bits checked), system
// headers and PES packets, each with its length, to the end code 00 00 01 B9 or, as ffmpeg and
// many recorders leave the end code out, to the first bytes after a packet that are no start
// code of the system layer. Every pack header is a signature hit, so the walk reports the later
// ones as inner starts (walked in image order).
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

using namespace std::string_view_literals;

constexpr Signature signatures[] = {{"\x00\x00\x01\xBA"sv, {}, 0}};
constexpr std::uint64_t max_inner = 1 << 20;  // pack starts remembered per file

// The pack header's length at pos (start code included), or 0 when its marker bits are wrong.
std::uint64_t pack_length(const ByteView& v, std::uint64_t pos) {
  const unsigned b4 = v.u8(pos + 4);
  if ((b4 & 0xC0) == 0x40) {  // MPEG-2: '01', SCR with markers, mux rate, stuffing
    if (!(b4 & 0x04) || !(v.u8(pos + 6) & 0x04) || !(v.u8(pos + 8) & 0x04) || !(v.u8(pos + 9) & 0x01) ||
        (v.u8(pos + 12) & 0x03) != 0x03)
      return 0;
    return 14 + (v.u8(pos + 13) & 7);
  }
  if ((b4 & 0xF1) == 0x21) {  // MPEG-1: '0010', SCR with markers, mux rate with markers
    if (!(v.u8(pos + 6) & 1) || !(v.u8(pos + 8) & 1) || !(v.u8(pos + 9) & 0x80) || !(v.u8(pos + 11) & 1)) return 0;
    return 12;
  }
  return 0;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 16)) return not_this();
  const std::uint64_t first = pack_length(v, 0);
  if (!first) return not_this();
  const bool mpeg2 = first >= 14;
  std::uint64_t pos = first, packets = 0;
  std::vector<std::uint64_t> inner;
  auto done = [&](std::uint64_t end) {
    if (packets == 0) return corrupt(pos, "no packets");
    Carve c = valid(end);
    c.subtype = mpeg2 ? "mpeg2-ps" : "mpeg1-ps";
    c.extension = "mpg";
    c.inner_starts = std::move(inner);
    return c;
  };
  for (;;) {
    if (!v.has(pos, 4) || v.u8(pos) != 0 || v.u8(pos + 1) != 0 || v.u8(pos + 2) != 1) return done(pos);
    const unsigned code = v.u8(pos + 3);
    if (code == 0xB9) return done(pos + 4);
    if (code == 0xBA) {
      const std::uint64_t len = pack_length(v, pos);
      if (!len || (len >= 14) != mpeg2) return corrupt(pos, "bad pack header");
      if (inner.size() < max_inner) inner.push_back(pos);
      pos += len;
      continue;
    }
    if (code < 0xBB) return done(pos);  // a start code of what follows the stream
    // System header (BB) and PES packets (BC..FF): a 16-bit length follows the start code.
    const std::uint64_t len = v.u16be(pos + 4);
    if (code != 0xBB) ++packets;
    pos += 6 + len;
  }
}

}  // namespace

const CarverSpec mpeg_ps_spec{"mpeg-ps", "mpg", "MPEG program stream video (MPEG-1, MPEG-2 PS)", 4ull << 30, signatures, walk,
                              true};

}  // namespace trawl::carvers
