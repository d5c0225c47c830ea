// MP3 (MPEG-1, 2 and 2.5 Layer III): an optional ID3v2 tag, then a chain of frames that agree
// with the first (version, layer, sample rate, channel mode), each as long as its bitrate,
// sample rate and padding say, then an optional APE tag and ID3v1 tag. A Xing/Info or VBRI
// header in the first frame counts the frames: a chain that stops short of it is corrupt.
//
// The frame sync has no magic to speak of: two bytes that random data holds once every 11 KiB
// with these six signatures, and every frame of an MP3 matches it. So a start without an ID3v2
// tag is taken only on a sector boundary (where a file system starts a file: the signatures'
// own alignment, so the search drops the other matches before any walk) and only after a run
// of min_frames consistent frames; frames of a carved file that lie on a sector boundary are
// reported as inner starts and skipped (the format is walked in image order).
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

using namespace std::string_view_literals;

// The frame syncs of Layer III (MPEG-1 / 2 / 2.5, without and with CRC) and "ID3". ID3 is
// fourth so that an ID3v2.3 tag's version byte (3) picks it in the fuzz target, whose first
// input byte chooses the signature.
constexpr std::uint16_t sector = 512;  // a bare frame chain is a file only from a sector boundary
constexpr Signature signatures[] = {{"\xFF\xFB"sv, {}, 0, sector}, {"\xFF\xFA"sv, {}, 0, sector},
                                    {"\xFF\xF3"sv, {}, 0, sector}, {"ID3", {}, 0},
                                    {"\xFF\xF2"sv, {}, 0, sector}, {"\xFF\xE3"sv, {}, 0, sector},
                                    {"\xFF\xE2"sv, {}, 0, sector}};
// A second of audio is 38 frames at 44.1 kHz; 8 consistent frame headers at exactly the offsets
// their lengths give cannot come from random bytes (about 2^-100), and no real file is shorter.
constexpr unsigned min_frames = 8;

struct Frame {
  unsigned version;   // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  unsigned rate;      // sample-rate index 0..2
  unsigned mono;      // channel mode 3
  std::uint64_t length;
};

// The frame header at pos, or nullopt when these 4 bytes are not a Layer III header.
std::optional<Frame> frame_at(const ByteView& v, std::uint64_t pos) {
  const std::uint32_t h = v.u32be(pos);
  if ((h >> 21) != 0x7FF) return std::nullopt;
  const unsigned version = (h >> 19) & 3, layer = (h >> 17) & 3, bitrate = (h >> 12) & 15, rate = (h >> 10) & 3;
  const unsigned padding = (h >> 9) & 1, emphasis = h & 3;
  if (version == 1 || layer != 1 || bitrate == 0 || bitrate == 15 || rate == 3 || emphasis == 2) return std::nullopt;
  static constexpr unsigned kbps_v1[] = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
  static constexpr unsigned kbps_v2[] = {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160};
  static constexpr unsigned hz[3][3] = {{11025, 12000, 8000}, {22050, 24000, 16000}, {44100, 48000, 32000}};
  const unsigned sample_rate = hz[version == 3 ? 2 : version == 2 ? 1 : 0][rate];
  const std::uint64_t length = version == 3 ? 144000ull * kbps_v1[bitrate] / sample_rate + padding
                                            : 72000ull * kbps_v2[bitrate] / sample_rate + padding;
  return Frame{version, rate, ((h >> 6) & 3) == 3 ? 1u : 0u, length};
}

// The frame count of a Xing/Info or VBRI header in the first frame, or 0.
std::uint64_t declared_frames(const ByteView& v, std::uint64_t pos, const Frame& f) {
  const std::uint64_t side = f.version == 3 ? (f.mono ? 17 : 32) : (f.mono ? 9 : 17);
  const std::uint64_t xing = pos + 4 + side;
  if (xing + 12 <= pos + f.length && (v.equals(xing, "Xing") || v.equals(xing, "Info")) && (v.u32be(xing + 4) & 1))
    return v.u32be(xing + 8);
  if (pos + 4 + 32 + 18 <= pos + f.length && v.equals(pos + 36, "VBRI")) return v.u32be(pos + 36 + 14);
  return 0;
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 10)) return not_this();
  std::uint64_t pos = 0;
  const bool tagged = v.equals(0, "ID3");
  if (tagged) {
    const unsigned major = v.u8(3), flags = v.u8(5);
    if (major < 2 || major > 4 || v.u8(4) == 0xFF) return not_this();
    std::uint64_t size = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned b = v.u8(6 + i);
      if (b & 0x80) return not_this();
      size = size << 7 | b;
    }
    pos = 10 + size + ((major == 4 && (flags & 0x10)) ? 10 : 0);
    // Some writers pad past the declared size with zeros.
    for (unsigned n = 0; n < 4096 && v.has(pos, 1) && v.u8(pos) == 0; ++n) ++pos;
  } else if (v.start() % sector != 0) {
    return not_this();  // a frame inside a stream, or a chance match
  }
  const auto first = frame_at(v, pos);
  if (!first) return tagged ? corrupt(pos, "no MPEG audio frame after the ID3v2 tag") : not_this();
  const std::uint64_t start = pos;
  const std::uint64_t declared = declared_frames(v, pos, *first);
  std::uint64_t frames = 0;
  std::vector<std::uint64_t> inner;
  for (;;) {
    const auto f = v.has(pos, 4) ? frame_at(v, pos) : std::nullopt;
    if (!f || f->version != first->version || f->rate != first->rate || f->mono != first->mono) break;
    (void)v.u8(pos + f->length - 1);  // the whole frame in the view, or truncated
    if (pos > 0 && (v.start() + pos) % sector == 0) inner.push_back(pos);
    pos += f->length;
    ++frames;
  }
  if (frames < min_frames) return tagged ? corrupt(start, "too few MPEG audio frames") : not_this();
  // The Xing/Info frame itself is not counted by every writer.
  if (declared && frames != declared && frames != declared + 1)
    return corrupt(pos, "the frame chain stops before the frame count of the Xing/VBRI header");
  // An APE tag (footer or header first), then an ID3v1 tag.
  if (v.has(pos, 32) && v.equals(pos, "APETAGEX")) {
    const std::uint64_t size = v.u32le(pos + 12);
    const bool header = v.u32le(pos + 20) & (1u << 29);
    pos += header ? 32 + size : 32;
    (void)v.u8(pos - 1);
  }
  if (v.has(pos, 128) && v.equals(pos, "TAG")) pos += 128;
  Carve c = valid(pos);
  c.inner_starts = std::move(inner);
  return c;
}

}  // namespace

const CarverSpec mp3_spec{"mp3", "mp3", "MP3 audio (MPEG-1/2/2.5 Layer III)", 1ull << 30, signatures, walk, true};

}  // namespace trawl::carvers
