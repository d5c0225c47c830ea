// AMR and AMR-WB speech (RFC 4867 storage format, as phones record it): the magic line, then
// frames, each a header byte (F bit 0, frame type, quality bit, two zero bits) and as many bytes
// as the frame type gives, to the end of the file. Frame types 9–14 (NB) and 10–13 (WB) do not
// exist. Nothing else marks the end: after the last frame, bytes that happen to read as frame
// headers would be taken too, so a speech frame must also be of a mode the file used in its
// first speech frames (a recording keeps one mode); comfort-noise and no-data frames, which
// discontinuous transmission writes in silences, are always allowed.
#include <array>

#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"#!AMR\n", {}, 0}, {"#!AMR-WB\n", {}, 0}};
constexpr int invalid = -1;
// Bytes after the header byte, per frame type.
constexpr std::array<int, 16> nb_sizes{12, 13, 15, 17, 19, 20, 26, 31, 5, invalid, invalid, invalid, invalid, invalid, invalid, 0};
constexpr std::array<int, 16> wb_sizes{17, 23, 32, 36, 40, 46, 50, 58, 60, 5, invalid, invalid, invalid, invalid, 0, 0};
// The first speech frames set which modes a file uses; after them only those.
constexpr unsigned learning_frames = 16;
constexpr unsigned min_frames = 5;  // 100 ms

Carve walk(const ByteView& v) {
  const bool wide = v.has(0, 9) && v.equals(0, "#!AMR-WB\n");
  if (!wide && !(v.has(0, 6) && v.equals(0, "#!AMR\n"))) return not_this();
  const auto& sizes = wide ? wb_sizes : nb_sizes;
  std::uint64_t pos = wide ? 9 : 6;
  const unsigned first_silence = wide ? 9 : 8;  // SID; above it: speech lost / no data
  std::uint16_t used = 0;  // bit per speech mode seen in the first speech frames
  std::uint64_t frames = 0, speech = 0;
  while (v.has(pos, 1)) {
    const unsigned h = v.u8(pos), type = (h >> 3) & 15;
    // F bit 0, padding 0, and the quality bit 1: a recorder stores only good frames (Q 0 marks a
    // frame damaged in transmission), and it halves the bytes after a file that read as frames.
    if ((h & 0x87) != 0x04 || sizes[type] == invalid) break;
    if (type < first_silence) {
      if (speech >= learning_frames && !(used & (1u << type))) break;
      used |= static_cast<std::uint16_t>(1u << type);
      ++speech;
    }
    (void)v.u8(pos + static_cast<std::uint64_t>(sizes[type]));  // the whole frame, or truncated
    pos += 1 + static_cast<std::uint64_t>(sizes[type]);
    ++frames;
  }
  if (frames < min_frames) return corrupt(pos, "too few frames");
  Carve c = valid(pos);
  c.subtype = wide ? "amr-wb" : "amr";
  c.extension = wide ? "awb" : "amr";
  return c;
}

}  // namespace

const CarverSpec amr_spec{"amr", "amr", "AMR and AMR-WB speech (voice recordings)", 256ull << 20, signatures, walk};

}  // namespace trawl::carvers
