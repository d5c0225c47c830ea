// JPEG (JFIF, EXIF, SPIFF, Adobe): a marker walk from SOI to the EOI that closes the last scan.
// Segments are skipped by their length, so an EXIF thumbnail (a whole JPEG inside APP1, with its
// own EOI) never ends the file early. Entropy-coded data is checked as it is skipped: after 0xFF
// only a stuffed 0x00, the next restart marker in sequence, or a marker that may follow a scan.
// In sequential Huffman frames (baseline and extended), every scan is also decoded (jpeg_scan.hpp):
// every code, every block's coefficient count, the MCU count the frame implies; so a file whose
// scan data was cut and continued by other bytes (fragmented, overwritten) fails where the data
// stops decoding, even when those bytes are zeros or another JPEG's scan data.
#include <algorithm>
#include <cstring>

#include "carvers/formats.hpp"
#include "carvers/jpeg_scan.hpp"

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

struct Frame {
  unsigned precision = 8, width = 0, height = 0, hmax = 1, vmax = 1, count = 0;
  bool huffman_sequential = false;
  std::array<unsigned, 4> id{}, h{}, v{};
};

// The scan header at `body` (after the length) as a decoder setup; nullopt when this scan is not
// decoded (progressive or arithmetic frame, height from a DNL, a table never defined).
std::optional<JpegScanSetup> scan_setup(const ByteView& v, std::uint64_t body, const Frame& f, const std::array<JpegHuffman, 4>& dc,
                                        const std::array<JpegHuffman, 4>& ac, unsigned restart_interval) {
  if (!f.huffman_sequential || f.height == 0 || f.width == 0) return std::nullopt;
  JpegScanSetup s;
  s.precision = f.precision;
  s.restart_interval = restart_interval;
  s.count = v.u8(body + 2);
  for (unsigned i = 0; i < s.count; ++i) {
    const unsigned id = v.u8(body + 3 + 2 * i), tables = v.u8(body + 4 + 2 * i);
    unsigned c = 0;
    while (c < f.count && f.id[c] != id) ++c;
    if (c == f.count || (tables >> 4) > 3 || (tables & 15) > 3) return std::nullopt;
    if (!dc[tables >> 4].defined || !ac[tables & 15].defined) return std::nullopt;
    s.dc[i] = tables >> 4;
    s.ac[i] = 4 + (tables & 15);
    if (s.count == 1) {
      // One component alone: its own blocks, in raster order.
      const std::uint64_t w = (std::uint64_t{f.width} * f.h[c] + f.hmax - 1) / f.hmax, ht = (std::uint64_t{f.height} * f.v[c] + f.vmax - 1) / f.vmax;
      s.blocks[i] = 1;
      s.h[i] = s.v[i] = 1;
      s.mcus_per_row = (w + 7) / 8;
      s.mcus = ((w + 7) / 8) * ((ht + 7) / 8);
    } else {
      s.blocks[i] = f.h[c] * f.v[c];
      s.h[i] = f.h[c];
      s.v[i] = f.v[c];
    }
  }
  for (unsigned t = 0; t < 4; ++t) {
    s.tables[t] = dc[t];
    s.tables[4 + t] = ac[t];
  }
  if (s.count > 1) {
    s.mcus_per_row = (std::uint64_t{f.width} + 8 * f.hmax - 1) / (8 * f.hmax);
    s.mcus = s.mcus_per_row * ((std::uint64_t{f.height} + 8 * f.vmax - 1) / (8 * f.vmax));
  }
  return s;
}

}  // namespace

Carve jpeg_walk(const ByteView& v, std::optional<JpegScanAt>* last) {
  if (!v.has(0, 4)) return not_this();
  std::uint64_t pos = 2;  // at the 0xFF of the marker after SOI
  bool frame = false, scan = false;
  unsigned restart_interval = 0;
  Frame f;
  std::array<JpegHuffman, 4> dc, ac;
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
      f = Frame{};
      f.precision = precision;
      f.height = v.u16be(body + 3);
      f.width = v.u16be(body + 5);
      f.count = components;
      f.huffman_sequential = (m == 0xC0 || m == 0xC1) && precision != 16;
      for (unsigned i = 0; i < components; ++i) {
        f.id[i] = v.u8(body + 8 + 3 * i);
        const unsigned sampling = v.u8(body + 9 + 3 * i);
        f.h[i] = sampling >> 4;
        f.v[i] = sampling & 15;
        if (f.h[i] < 1 || f.h[i] > 4 || f.v[i] < 1 || f.v[i] > 4) f.huffman_sequential = false;
        f.hmax = std::max(f.hmax, f.h[i]);
        f.vmax = std::max(f.vmax, f.v[i]);
      }
    } else if (m == 0xC4) {
      // Huffman tables, for decoding the scans; a table that is not a prefix code is left undefined.
      for (std::uint64_t t = body + 2; t + 17 <= body + length;) {
        const unsigned kind = v.u8(t) >> 4, slot = v.u8(t) & 15;
        std::array<std::uint8_t, 16> counts{};
        unsigned total = 0;
        for (unsigned i = 0; i < 16; ++i) total += counts[i] = v.u8(t + 1 + i);
        if (total > 256 || t + 17 + total > body + length) break;
        std::array<std::uint8_t, 256> values{};
        for (unsigned i = 0; i < total; ++i) values[i] = v.u8(t + 17 + i);
        if (kind <= 1 && slot <= 3) {
          auto& table = kind == 0 ? dc[slot] : ac[slot];
          table.defined = table.build(counts, std::span(values).first(total));
        }
        t += 17 + total;
      }
    } else if (m == 0xDD) {
      if (length != 4) return !recognised ? not_this() : corrupt(pos, "bad DRI segment");
      restart_interval = v.u16be(body + 2);
    } else if (m == 0xDA) {
      const unsigned n = v.u8(body + 2);
      if (!frame || n == 0 || n > 4 || length != 6 + 2 * n) return !recognised ? not_this() : corrupt(pos, "bad scan header");
      scan = true;
      const std::uint64_t data = body + length;
      if (auto setup = scan_setup(v, body, f, dc, ac, restart_interval)) {
        if (last) *last = JpegScanAt{*setup, data};
        JpegDecoder d;
        d.pos = data;
        while (d.mcu < setup->mcus)
          if (d.step(v, *setup) == JpegDecoder::fault) return corrupt(d.pos, "entropy-coded data does not decode");
        // The last MCU ends the data: the rest of its byte is padding, and a marker follows.
        d.nbits = 0;
        if (d.byte(v) != -1) return corrupt(d.pos, "entropy-coded data goes on past the last MCU");
        pos = d.pos;
      } else {
        pos = data;
      }
      std::string fault;
      pos = skip_scan(v, pos, restart_interval, fault);
      if (!fault.empty()) return corrupt(pos, fault);
      ++segments;
      continue;
    }
    ++segments;
    pos = body + length;
  }
}

namespace {
Carve walk(const ByteView& v) { return jpeg_walk(v, nullptr); }
}  // namespace

bool JpegHuffman::build(std::span<const std::uint8_t, 16> counts, std::span<const std::uint8_t> vals) {
  std::int32_t code = 0, k = 0;
  for (unsigned l = 1; l <= 16; ++l) {
    valptr[l] = k;
    mincode[l] = code;
    code += counts[l - 1];
    k += counts[l - 1];
    maxcode[l] = counts[l - 1] ? code - 1 : -1;
    if (code > (1 << l)) return false;  // more codes than this length holds
    code <<= 1;
  }
  if (static_cast<std::size_t>(k) != vals.size()) return false;
  std::copy(vals.begin(), vals.end(), values.begin());
  return true;
}

const CarverSpec jpeg_spec{"jpeg", "jpg", "JPEG image (JFIF, EXIF)", 128ull << 20, signatures, walk};

}  // namespace trawl::carvers
