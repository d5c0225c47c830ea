// OGG (Opus voice notes, Vorbis, FLAC, Theora): the page chain. Every page has the capture
// pattern, version 0, a CRC-32 over the whole page (OGG's own: polynomial 0x04C11DB7, not
// reflected, initial value 0, CRC field taken as zero) and per logical stream a page sequence
// number that counts up by one. A file starts with the beginning-of-stream pages of its streams
// and ends with the page that gives the last open stream its end-of-stream flag. A page in the
// middle of a file has no BOS flag, so the page hits inside a carved file are rejected at once.
#include <array>

#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{std::string_view("OggS\0", 5), {}, 0}};
constexpr std::size_t max_streams = 64;  // a phone's file has one or two (audio, video)

constexpr std::array<std::uint32_t, 256> crc_table = [] {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t r = i << 24;
    for (int k = 0; k < 8; ++k) r = (r & 0x80000000u) ? (r << 1) ^ 0x04C11DB7u : r << 1;
    t[i] = r;
  }
  return t;
}();

std::uint32_t crc_update(std::uint32_t crc, std::span<const std::byte> bytes) {
  for (auto b : bytes) crc = (crc << 8) ^ crc_table[((crc >> 24) ^ std::to_integer<std::uint32_t>(b)) & 0xFF];
  return crc;
}

std::uint32_t crc_range(const ByteView& v, std::uint32_t crc, std::uint64_t pos, std::uint64_t len) {
  while (len > 0) {
    auto w = v.window(pos, len);
    crc = crc_update(crc, w);
    pos += w.size();
    len -= w.size();
  }
  return crc;
}

// The page's CRC with its own CRC field (bytes 22..25) as zeros.
std::uint32_t page_crc(const ByteView& v, std::uint64_t pos, std::uint64_t size) {
  constexpr std::byte zeros[4]{};
  std::uint32_t crc = crc_range(v, 0, pos, 22);
  crc = crc_update(crc, zeros);
  return crc_range(v, crc, pos + 26, size - 26);
}

std::string_view codec_of(const ByteView& v, std::uint64_t packet, std::uint64_t len) {
  auto starts = [&](std::string_view magic) { return len >= magic.size() && v.equals(packet, magic); };
  if (starts("OpusHead")) return "opus";
  if (starts("\x01vorbis")) return "vorbis";
  if (starts("\x7F" "FLAC")) return "flac";
  if (starts("\x80theora")) return "theora";
  if (starts("Speex   ")) return "speex";
  return {};
}

struct Stream {
  std::uint32_t serial = 0;
  std::uint32_t next_sequence = 0;
  bool ended = false;
};

Carve walk(const ByteView& v) {
  if (!v.has(0, 28)) return not_this();
  std::vector<Stream> streams;
  std::string_view subtype;
  bool video = false;
  std::uint64_t pos = 0;
  bool in_headers = true;  // still in the run of BOS pages that opens the file
  for (;;) {
    if (!v.equals(pos, "OggS")) return pos == 0 ? not_this() : corrupt(pos, "page expected");
    const unsigned version = v.u8(pos + 4), flags = v.u8(pos + 5);
    if (version != 0 || (flags & 0xF8)) return pos == 0 ? not_this() : corrupt(pos, "bad page header");
    const std::uint32_t serial = v.u32le(pos + 14), sequence = v.u32le(pos + 18);
    const unsigned segments = v.u8(pos + 26);
    std::uint64_t body = 0;
    for (unsigned i = 0; i < segments; ++i) body += v.u8(pos + 27 + i);
    const std::uint64_t size = 27 + segments + body;
    if (page_crc(v, pos, size) != v.u32le(pos + 22)) return pos == 0 ? not_this() : corrupt(pos, "page CRC mismatch");
    const bool bos = flags & 2, eos = flags & 4;
    Stream* s = nullptr;
    for (auto& x : streams)
      if (x.serial == serial) s = &x;
    if (bos) {
      // New streams only in the opening run of BOS pages, continuing nothing, numbered 0.
      if (!in_headers || s || sequence != 0 || (flags & 1)) return pos == 0 ? not_this() : corrupt(pos, "stream begins late");
      if (streams.size() == max_streams) return corrupt(pos, "too many logical streams");
      streams.push_back({serial, 1, false});
      s = &streams.back();
      const auto codec = codec_of(v, pos + 27 + segments, body);
      if (codec == "theora") video = true;
      if (subtype.empty() || codec == "theora") subtype = codec;
    } else {
      if (pos == 0) return not_this();  // a page from the middle of a file
      in_headers = false;
      if (!s || s->ended) return corrupt(pos, "page of an unknown or ended stream");
      if (sequence != s->next_sequence) return corrupt(pos, "page sequence number out of order");
      ++s->next_sequence;
    }
    if (eos) s->ended = true;
    pos += size;
    bool all_ended = true;
    for (const auto& x : streams) all_ended = all_ended && x.ended;
    if (all_ended) {
      Carve c = valid(pos);
      c.subtype = subtype.empty() ? "ogg" : subtype;
      c.extension = subtype == "opus" ? "opus" : video ? "ogv" : "ogg";
      return c;
    }
  }
}

}  // namespace

const CarverSpec ogg_spec{"ogg", "ogg", "OGG: Opus voice notes, Vorbis, FLAC, Theora", 4ull << 30, signatures, walk};

}  // namespace trawl::carvers
