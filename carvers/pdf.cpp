// PDF: from "%PDF-" to the last "%%EOF" of its incremental updates. After each %%EOF the walk
// looks at what follows: another object, xref section or comment means an update was appended
// and the search goes on; anything else ends the file. The last startxref must point at an xref
// table or an xref-stream object inside the file, which catches most overwritten or fragmented
// documents. A new "%PDF-" before the first %%EOF means this one was cut short.
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "carvers/formats.hpp"
#include "carvers/pdf_xref.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"%PDF-", {}, 0}};

bool is_space(unsigned c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0; }

// True when an indirect object header "N G obj" starts at pos.
bool object_at(const ByteView& v, std::uint64_t pos) {
  std::uint64_t p = pos;
  int digits = 0;
  while (v.has(p, 1) && std::isdigit(v.u8(p)) && digits < 10) ++p, ++digits;
  if (!digits || !v.has(p, 1) || !is_space(v.u8(p))) return false;
  while (v.has(p, 1) && is_space(v.u8(p)) && p - pos < 32) ++p;
  digits = 0;
  while (v.has(p, 1) && std::isdigit(v.u8(p)) && digits < 6) ++p, ++digits;
  if (!digits || !v.has(p, 1) || !is_space(v.u8(p))) return false;
  while (v.has(p, 1) && is_space(v.u8(p)) && p - pos < 48) ++p;
  return v.has(p, 3) && v.equals(p, "obj");
}

// What a byte offset after "startxref" must point at.
bool xref_at(const ByteView& v, std::uint64_t pos) { return (v.has(pos, 4) && v.equals(pos, "xref")) || object_at(v, pos); }

// The number after the last "startxref" in the 64 bytes before an %%EOF at eof; nullopt if none.
std::optional<std::uint64_t> startxref_before(const ByteView& v, std::uint64_t eof) {
  const std::uint64_t from = eof > 64 ? eof - 64 : 0;
  auto at = v.find("startxref", from, eof);
  if (!at) return std::nullopt;
  while (auto again = v.find("startxref", *at + 1, eof)) at = again;
  std::uint64_t p = *at + 9;
  while (p < eof && is_space(v.u8(p))) ++p;
  std::uint64_t value = 0;
  int digits = 0;
  while (p < eof && std::isdigit(v.u8(p)) && digits < 15) value = value * 10 + (v.u8(p++) - '0'), ++digits;
  if (!digits) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::uint64_t> pdf_object_number_at(const ByteView& v, std::uint64_t pos) {
  if (!object_at(v, pos)) return std::nullopt;
  std::uint64_t n = 0;
  for (std::uint64_t p = pos; std::isdigit(v.u8(p)); ++p) n = n * 10 + (v.u8(p) - '0');
  return n;
}

std::optional<std::vector<PdfXrefEntry>> pdf_xref_table(const ByteView& v, std::uint64_t pos) {
  if (!v.has(pos, 4) || !v.equals(pos, "xref")) return std::nullopt;
  std::vector<PdfXrefEntry> out;
  std::uint64_t p = pos + 4;
  auto skip = [&] {
    while (v.has(p, 1) && is_space(v.u8(p)) && v.u8(p) != 0) ++p;
  };
  auto number = [&](int max_digits) -> std::optional<std::uint64_t> {
    std::uint64_t n = 0;
    int digits = 0;
    while (v.has(p, 1) && std::isdigit(v.u8(p)) && digits < max_digits) n = n * 10 + (v.u8(p++) - '0'), ++digits;
    if (!digits) return std::nullopt;
    return n;
  };
  for (;;) {
    skip();
    if (v.has(p, 7) && v.equals(p, "trailer")) return out;
    const auto first = number(10);
    skip();
    const auto count = number(10);
    if (!first || !count || !v.has(p, 1) || !is_space(v.u8(p))) return std::nullopt;
    skip();
    if (*count > (v.size() - p) / 20) return std::nullopt;
    for (std::uint64_t i = 0; i < *count; ++i, p += 20) {
      std::uint64_t q = p;
      const auto offset = [&]() -> std::optional<std::uint64_t> {
        std::uint64_t n = 0;
        for (int k = 0; k < 10; ++k, ++q) {
          if (!std::isdigit(v.u8(q))) return std::nullopt;
          n = n * 10 + (v.u8(q) - '0');
        }
        return n;
      }();
      const unsigned type = v.u8(p + 17);
      if (!offset || v.u8(p + 10) != ' ' || v.u8(p + 16) != ' ' || (type != 'n' && type != 'f') || !is_space(v.u8(p + 18)) ||
          !is_space(v.u8(p + 19)))
        return std::nullopt;
      if (type == 'n') out.push_back({*first + i, *offset});
    }
  }
}

std::optional<std::uint64_t> pdf_startxref_before_eof(const ByteView& v, std::uint64_t end) {
  const auto eof = v.find("%%EOF", end > 7 ? end - 7 : 0, end);
  return eof ? startxref_before(v, *eof) : std::nullopt;
}

namespace {

Carve walk(const ByteView& v) {
  if (!v.has(0, 16)) return not_this();
  if (!std::isdigit(v.u8(5)) || v.u8(6) != '.' || !std::isdigit(v.u8(7))) return not_this();
  std::uint64_t pos = 8, end = 0;
  bool xref_ok = false;  // for the latest %%EOF; only the last one must hold (a linearized
                         // file's first trailer may say "startxref 0")
  for (;;) {
    const auto eof = v.find("%%EOF", pos, v.size());
    if (!eof) {
      if (end) break;
      if (v.limited()) return truncated(v.size(), "no %%EOF within the size limit");
      return truncated(v.size(), "no %%EOF before the image ends");
    }
    if (!end)
      if (auto other = v.find("%PDF-", pos, *eof)) return corrupt(*other, "another PDF starts before this one's %%EOF");
    const auto xref = startxref_before(v, *eof);
    xref_ok = xref && *xref < *eof && xref_at(v, *xref);
    std::uint64_t after = *eof + 5;
    if (v.has(after, 1) && v.u8(after) == '\r') ++after;
    if (v.has(after, 1) && v.u8(after) == '\n') ++after;
    end = after;
    // An incremental update starts with an object, an xref table or a comment.
    std::uint64_t p = after;
    while (v.has(p, 1) && is_space(v.u8(p)) && v.u8(p) != 0 && p - after < 64) ++p;
    if (!v.has(p, 8)) break;
    const bool update = object_at(v, p) || v.equals(p, "xref") || (v.u8(p) == '%' && !v.equals(p, "%PDF-"));
    if (!update) break;
    pos = p;
  }
  if (!xref_ok) return corrupt(end, "startxref does not point at an xref section");
  // A classic xref table (the last one): every object in use starts where it says, with its
  // number. A file in two pieces has objects after the split elsewhere (carvers/reassemble.cpp).
  const auto xref = pdf_startxref_before_eof(v, end);
  if (xref && v.equals(*xref, "xref")) {
    const auto table = pdf_xref_table(v, *xref);
    if (!table) return corrupt(end, "xref table does not parse");
    for (const auto& e : *table) {
      // Writers that point at the end of line before the header are common enough to allow it.
      std::uint64_t at = e.offset;
      while (at < end && at < e.offset + 2 && is_space(v.u8(at)) && v.u8(at) != 0) ++at;
      if (at >= end || pdf_object_number_at(v, at) != e.number)
        return corrupt(end, "xref entry of object " + std::to_string(e.number) + " does not point at it");
    }
  }
  return valid(end);
}

}  // namespace

const CarverSpec pdf_spec{"pdf", "pdf", "PDF document (with incremental updates)", 512ull << 20, signatures, walk};

}  // namespace trawl::carvers
