// JPEG (JFIF, EXIF, SPIFF, Adobe): a marker walk from SOI to the EOI that closes the last scan.
// Segments are skipped by their length, so an EXIF thumbnail (a whole JPEG inside APP1, with its
// own EOI) never ends the file early. Entropy-coded data is checked as it is skipped: after 0xFF
// only a stuffed 0x00, the next restart marker in sequence, or a marker that may follow a scan.
#include <cstring>

#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"\xFF\xD8\xFF", {}, 0}};

bool is_sof(unsigned m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

// Markers that may follow entropy-coded data: tables, the next scan, comments, APPn, DNL, EOI.
bool may_follow_scan(unsigned m) {
  return m == 0xC4 || m == 0xCC || m == 0xDA || m == 0xDB || m == 0xDC || m == 0xDD || m == 0xD9 || m == 0xFE ||
         (m >= 0xE0 && m <= 0xEF);
}

// From the first byte after a scan header, finds the marker that ends the entropy-coded data.
// Returns its position (at its 0xFF), or a corrupt verdict through `fault`.
std::uint64_t skip_scan(const ByteView& v, std::uint64_t pos, unsigned restart_interval, std::string& fault) {
  unsigned next_restart = 0;  // RSTn must cycle D0..D7 in order when a restart interval is set
  for (;;) {
    auto w = v.window(pos, 1 << 20);
    const auto* base = reinterpret_cast<const unsigned char*>(w.data());
    const auto* ff = static_cast<const unsigned char*>(std::memchr(base, 0xFF, w.size()));
    if (!ff) {
      pos += w.size();
      continue;
    }
    const std::uint64_t at = pos + static_cast<std::uint64_t>(ff - base);
    const unsigned m = v.u8(at + 1);
    if (m == 0x00) {
      pos = at + 2;
    } else if (m >= 0xD0 && m <= 0xD7) {
      if (restart_interval && m - 0xD0 != next_restart) {
        fault = "restart marker out of sequence";
        return at;
      }
      next_restart = (next_restart + 1) & 7;
      pos = at + 2;
    } else if (m == 0xFF) {
      pos = at + 1;  // fill byte before a marker
    } else if (may_follow_scan(m)) {
      return at;
    } else {
      fault = "unexpected marker in entropy-coded data";
      return at;
    }
  }
}

Carve walk(const ByteView& v) {
  if (!v.has(0, 4)) return not_this();
  std::uint64_t pos = 2;  // at the 0xFF of the marker after SOI
  bool frame = false, scan = false;
  unsigned restart_interval = 0;
  // Until two segments have parsed, a failure means a chance match of the signature, not a JPEG.
  int segments = 0;
  for (;;) {
    const bool recognised = segments >= 2;
    if (v.u8(pos) != 0xFF) return !recognised ? not_this() : corrupt(pos, "marker expected");
    std::uint64_t q = pos + 1;
    while (v.u8(q) == 0xFF) ++q;  // fill bytes
    const unsigned m = v.u8(q);
    const std::uint64_t body = q + 1;
    if (m == 0xD9) {
      if (frame && scan) return valid(body);
      return !recognised ? not_this() : corrupt(body, "EOI before any frame and scan");
    }
    if (m == 0x00 || m == 0xD8) return !recognised ? not_this() : corrupt(pos, "SOI or stuffed byte where a marker belongs");
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) {  // standalone markers
      pos = body;
      continue;
    }
    const unsigned length = v.u16be(body);
    if (length < 2) return !recognised ? not_this() : corrupt(pos, "segment length below 2");
    if (is_sof(m)) {
      const unsigned precision = v.u8(body + 2), components = v.u8(body + 7);
      if ((precision != 8 && precision != 12 && precision != 16) || v.u16be(body + 5) == 0 || components == 0 ||
          components > 4 || length != 8 + 3 * components)
        return !recognised ? not_this() : corrupt(pos, "bad frame header");
      frame = true;
    } else if (m == 0xDD) {
      if (length != 4) return !recognised ? not_this() : corrupt(pos, "bad DRI segment");
      restart_interval = v.u16be(body + 2);
    } else if (m == 0xDA) {
      const unsigned n = v.u8(body + 2);
      if (!frame || n == 0 || n > 4 || length != 6 + 2 * n) return !recognised ? not_this() : corrupt(pos, "bad scan header");
      scan = true;
      std::string fault;
      pos = skip_scan(v, body + length, restart_interval, fault);
      if (!fault.empty()) return corrupt(pos, fault);
      ++segments;
      continue;
    }
    ++segments;
    pos = body + length;
  }
}

}  // namespace

const CarverSpec jpeg_spec{"jpeg", "jpg", "JPEG image (JFIF, EXIF)", 128ull << 20, signatures, walk};

}  // namespace trawl::carvers
