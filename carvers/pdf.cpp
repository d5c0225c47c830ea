// PDF: from "%PDF-" to the last "%%EOF" of its incremental updates. After each %%EOF the walk
// looks at what follows: another object, xref section or comment means an update was appended
// and the search goes on; anything else ends the file. The last startxref must point at an xref
// table or an xref-stream object inside the file, which catches most overwritten or fragmented
// documents. A new "%PDF-" before the first %%EOF means this one was cut short.
#include <algorithm>
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

// What a byte offset after "startxref" must point at: a classic table, or a cross-reference
// stream object (its dictionary says /Type /XRef). Any object header was accepted before: a
// document with a gap inside it then passed whenever the shifted startxref happened to land on
// another object's header (tests: PdfWalk.AGapThatMovesStartxrefOntoAnObjectIsCorrupt).
bool xref_at(const ByteView& v, std::uint64_t pos) {
  if (v.has(pos, 4) && v.equals(pos, "xref")) return true;
  if (!object_at(v, pos)) return false;
  const std::uint64_t reach = std::min(v.size(), pos + 4096);
  const auto dict_end = v.find("stream", pos, reach);
  if (!dict_end) return false;
  for (auto at = v.find("/Type", pos, *dict_end); at; at = v.find("/Type", *at + 1, *dict_end)) {
    std::uint64_t p = *at + 5;
    while (p < *dict_end && is_space(v.u8(p))) ++p;
    if (p + 5 <= *dict_end && v.equals(p, "/XRef")) return true;
  }
  return false;
}

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

namespace {

// A non-negative integer at p (at most 12 digits); p is moved past it.
std::optional<std::uint64_t> integer_at(const ByteView& v, std::uint64_t& p, std::uint64_t end) {
  std::uint64_t n = 0;
  int digits = 0;
  while (p < end && std::isdigit(v.u8(p)) && digits < 12) n = n * 10 + (v.u8(p++) - '0'), ++digits;
  if (!digits) return std::nullopt;
  return n;
}

// The value of an indirect object that is a plain integer ("N G obj 1234 endobj"); `table` is
// sorted by object number.
std::optional<std::uint64_t> integer_object(const ByteView& v, const std::vector<PdfXrefEntry>& table, std::uint64_t number) {
  const auto e = std::lower_bound(table.begin(), table.end(), number,
                                  [](const PdfXrefEntry& a, std::uint64_t n) { return a.number < n; });
  if (e == table.end() || e->number != number || pdf_object_number_at(v, e->offset) != number) return std::nullopt;
  auto obj = v.find("obj", e->offset, std::min(v.size(), e->offset + 48));
  if (!obj) return std::nullopt;
  std::uint64_t p = *obj + 3;
  while (p < v.size() && p < *obj + 64 && is_space(v.u8(p))) ++p;
  return integer_at(v, p, std::min(v.size(), p + 16));
}

}  // namespace

std::optional<PdfStream> pdf_stream_at(const ByteView& v, std::uint64_t pos, std::uint64_t next,
                                       const std::vector<PdfXrefEntry>* table) {
  const std::uint64_t reach = std::min({next, pos + 4096, v.size()});
  if (reach <= pos) return std::nullopt;
  auto kw = v.find("stream", pos, reach);
  if (!kw || *kw == pos || v.u8(*kw - 1) == 'd') return std::nullopt;
  // Only this object's own dictionary: an "endobj" before "stream" means the object has none.
  if (v.find("endobj", pos, *kw)) return std::nullopt;
  PdfStream out;
  if (auto filter = v.find("/Filter", pos, *kw)) {
    std::uint64_t p = *filter + 7;
    bool array = false;
    while (p < *kw && (is_space(v.u8(p)) || v.u8(p) == '[')) array |= v.u8(p++) == '[';
    if (p + 12 <= *kw && v.equals(p, "/FlateDecode")) {
      p += 12;
      while (p < *kw && is_space(v.u8(p))) ++p;
      out.flate = !array || (p < *kw && v.u8(p) == ']');
    }
  }
  std::optional<std::uint64_t> length;
  for (auto at = v.find("/Length", pos, *kw); at; at = v.find("/Length", *at + 1, *kw)) {
    std::uint64_t q = *at + 7;
    if (q >= *kw || !is_space(v.u8(q))) continue;  // /Length1 of a font program
    while (q < *kw && is_space(v.u8(q))) ++q;
    const auto n = integer_at(v, q, *kw);
    if (!n) return std::nullopt;
    while (q < *kw && is_space(v.u8(q))) ++q;
    if (q < *kw && std::isdigit(v.u8(q))) {  // "N G R": an indirect length
      if (!table) return std::nullopt;
      length = integer_object(v, *table, *n);
      if (!length) return std::nullopt;
    } else {
      length = n;
    }
    break;
  }
  if (!length) return std::nullopt;
  out.data = *kw + 6;
  if (v.has(out.data, 1) && v.u8(out.data) == '\r') ++out.data;
  if (v.has(out.data, 1) && v.u8(out.data) == '\n') ++out.data;
  out.length = *length;
  return out;
}

bool pdf_stream_ends(const ByteView& v, const PdfStream& stream) {
  if (stream.length > v.size() || stream.data > v.size() - stream.length) return false;
  std::uint64_t p = stream.data + stream.length;
  for (int eol = 0; eol < 2 && v.has(p, 1) && (v.u8(p) == '\r' || v.u8(p) == '\n'); ++eol) ++p;
  return v.has(p, 9) && v.equals(p, "endstream");
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
    std::vector<PdfXrefEntry> starts;  // where each object's header is, in file order
    for (const auto& e : *table) {
      // Writers that point at the end of line before the header are common enough to allow it.
      std::uint64_t at = e.offset;
      while (at < end && at < e.offset + 2 && is_space(v.u8(at)) && v.u8(at) != 0) ++at;
      if (at >= end || pdf_object_number_at(v, at) != e.number)
        return corrupt(end, "xref entry of object " + std::to_string(e.number) + " does not point at it");
      starts.push_back({e.number, at});
    }
    // Every stream ends where its /Length says: a gap inside a stream (whose object headers all
    // lie where the table says, when the gap sits in the last objects' data or the table was
    // read shifted) moves its "endstream".
    auto by_number = starts;
    std::sort(by_number.begin(), by_number.end(), [](const PdfXrefEntry& a, const PdfXrefEntry& b) { return a.number < b.number; });
    std::sort(starts.begin(), starts.end(), [](const PdfXrefEntry& a, const PdfXrefEntry& b) { return a.offset < b.offset; });
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const std::uint64_t next = i + 1 < starts.size() ? starts[i + 1].offset : *xref;
      const auto stream = pdf_stream_at(v, starts[i].offset, next, &by_number);
      if (stream && !pdf_stream_ends(v, *stream))
        return corrupt(end, "the stream of object " + std::to_string(starts[i].number) + " does not end where its /Length says");
    }
  }
  return valid(end);
}

}  // namespace

const CarverSpec pdf_spec{"pdf", "pdf", "PDF document (with incremental updates)", 512ull << 20, signatures, walk};

}  // namespace trawl::carvers
