#include "carvers/reassemble.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "carvers/deflate.hpp"
#include "carvers/formats.hpp"
#include "carvers/jpeg_scan.hpp"
#include "carvers/pdf_xref.hpp"
#include "carvers/sqlite_layout.hpp"

namespace trawl::carvers {
namespace {

struct OutOfBudget {};

class Search {
 public:
  Search(const CarverSpec& spec, const ByteView& view, const ReassembleOptions& o, std::atomic<std::int64_t>* global)
      : v(view), spec_(spec), o_(o), global_(global) {}

  const ByteView& v;  // the contiguous view from the file's first byte: image bytes at start + pos
  ReassembleResult result;

  // Charges n bytes of work; throws OutOfBudget once the file's or the scan's budget is spent.
  void charge(std::uint64_t n) {
    result.examined += n;
    if (result.examined > o_.file_budget) throw OutOfBudget{};
    if (global_ && global_->fetch_sub(static_cast<std::int64_t>(n), std::memory_order_relaxed) < static_cast<std::int64_t>(n))
      throw OutOfBudget{};
  }

  // View positions e in [lo, hi] at absolute sector boundaries, 0 < e, ascending; at most 65536
  // of them (32 MiB at 512-byte sectors, as far as a file's budget reaches): the first ones, or
  // with `last` the last ones.
  std::vector<std::uint64_t> boundaries(std::uint64_t lo, std::uint64_t hi, bool last = false) const {
    std::vector<std::uint64_t> out;
    const std::uint64_t s = o_.sector, start = v.start(), cap = 65536;
    lo = std::max<std::uint64_t>(lo, 1);
    if (hi < lo) return out;
    if ((hi - lo) / s >= cap) {
      if (last)
        lo = hi - (cap - 1) * s;
      else
        hi = lo + (cap - 1) * s;
    }
    std::uint64_t e = ((start + lo + s - 1) / s) * s - start;
    for (; e <= hi && e < v.size(); e += s) out.push_back(e);
    return out;
  }

  // The gaps to try, smallest first: 1 .. max_gap/sector sectors.
  std::uint64_t gaps() const { return o_.max_gap / o_.sector; }
  std::uint64_t gap(std::uint64_t i) const { return (i + 1) * o_.sector; }

  // The file as [0, e) of the view, then the image from view position e + d.
  ByteView pieces(std::uint64_t e, std::uint64_t d) const {
    const std::uint64_t s = e + d;
    const std::uint64_t second = v.limited() ? v.size() - e : (v.size() > s ? v.size() - s : 0);
    return v.with_runs({{v.start(), e}, {v.start() + s, second}}, e + second);
  }

  // True when a file of this type may start at the first piece's start plus the gap d: piece 2
  // is then that file's own continuation, and the reassembly would only swap its head for the
  // first piece's (a truncated file followed, d bytes on, by another of its type from the same
  // program: their first sectors alike, no walk tells them apart). No such reassembly is taken.
  bool shifted_start(std::uint64_t d) const {
    for (const auto& sig : spec_.signatures)
      if (matches_at(sig, v, d)) return true;
    return false;
  }

  // True when a file of this type starts inside the gap and reaches past it: piece 2 is then
  // (or may be) that file's continuation, and the reassembly would join the first piece's head to
  // another file's tail. Found with near-duplicate documents from one program, both stored in two
  // pieces: the first piece of one and the second of the other validated together (issue 17;
  // PdfReassembly.AHeadIsNotJoinedToTheTailOfALookAlikeInTheGap). A file of the type that lies
  // wholly in the gap (written between the pieces) and a header that breaks inside the gap
  // (chance bytes) do not count. ZIP is left out: its members each start with a signature, and a
  // piece of another archive in the gap holds several; its CRCs and central directory decide.
  bool gap_holds_a_file_reaching_past_it(std::uint64_t e, std::uint64_t d, bool charged = true) {
    auto charge = [&](std::uint64_t n) {
      if (charged) this->charge(n);
    };
    if (&spec_ == &zip_spec) return false;
    for (const auto& sig : spec_.signatures) {
      if (sig.bytes.empty()) continue;
      const std::string_view lead(reinterpret_cast<const char*>(sig.bytes.data()), sig.mask.empty() ? sig.bytes.size() : 1);
      for (std::uint64_t from = e + sig.offset; from < e + d;) {
        charge(std::min<std::uint64_t>(e + d - from, 1 << 20));
        const auto at = v.find(lead, from, e + d + sig.offset);
        if (!at) break;
        from = *at + 1;
        const std::uint64_t h = *at - sig.offset;
        if (h < e || h >= e + d || !v.has(h, 1)) continue;
        const ByteView other = v.with_runs({{v.start() + h, v.size() - h}}, v.size() - h);
        const Carve c = carve(spec_, other);
        charge(std::max<std::uint64_t>(c.length, 512));
        if (c.verdict != Verdict::not_this_format && h + c.length > e + d) return true;
      }
    }
    return false;
  }

  // Walks the reassembly in full; true (and the result set) when it is valid and uses piece 2.
  bool attempt(std::uint64_t e, std::uint64_t d) {
    if (e + d >= v.size() || shifted_start(d)) return false;
    const ByteView f = pieces(e, d);
    Carve c = carve(spec_, f);
    ++result.candidates;
    charge(std::max(c.length, e));
    if (c.verdict != Verdict::valid || c.length <= e) return false;
    if (gap_holds_a_file_reaching_past_it(e, d)) return false;
    result.runs = {{v.start(), e}, {v.start() + e + d, c.length - e}};
    c.note = "reassembled from 2 fragments, gap " + std::to_string(d) + " bytes";
    result.carve = std::move(c);
    return true;
  }

  // Image CRC-32 of view bytes [pos, pos + len) (view coordinates; charged).
  std::uint32_t crc(std::uint64_t pos, std::uint64_t len) {
    charge(len);
    return crc32_of(v, pos, len);
  }

  // The split points e (from `es`, ascending, each in (a, b]) for which the CRC-32 of view
  // [a, e) followed by view [e + d, b + d) equals `target`. Linear in b - a: CRCs of the pieces
  // between split points, joined with crc32_combine. `prefix[i]`: CRC of [a, es[i]).
  std::vector<std::uint64_t> crc_splits(const std::vector<std::uint64_t>& es, const std::vector<std::uint32_t>& prefix,
                                        std::uint64_t a, std::uint64_t b, std::uint64_t d, std::uint32_t target) {
    std::vector<std::uint64_t> out;
    if (es.empty() || !v.has(es.front() + d, b - es.front())) return out;
    // suffix: CRC of view [es[i] + d, b + d), from the last split point back.
    std::uint32_t suffix = crc(es.back() + d, b - es.back());
    std::vector<std::uint32_t> suffixes(es.size());
    suffixes.back() = suffix;
    for (std::size_t i = es.size() - 1; i-- > 0;) {
      const std::uint32_t piece = crc(es[i] + d, es[i + 1] - es[i]);
      suffix = static_cast<std::uint32_t>(crc32_combine(piece, suffix, static_cast<z_off_t>(b - es[i + 1])));
      suffixes[i] = suffix;
    }
    for (std::size_t i = 0; i < es.size(); ++i) {
      const std::uint32_t whole =
          es[i] == a ? suffixes[i] : static_cast<std::uint32_t>(crc32_combine(prefix[i], suffixes[i], static_cast<z_off_t>(b - es[i])));
      if (whole == target) out.push_back(es[i]);
    }
    return out;
  }

  // CRC of view [a, es[i]) for each split point (ascending, each >= a).
  std::vector<std::uint32_t> prefixes(const std::vector<std::uint64_t>& es, std::uint64_t a) {
    std::vector<std::uint32_t> out;
    uLong running = ::crc32(0L, Z_NULL, 0);
    std::uint64_t at = a;
    for (auto e : es) {
      const std::uint32_t piece = crc(at, e - at);
      running = crc32_combine(running, piece, static_cast<z_off_t>(e - at));
      at = e;
      out.push_back(static_cast<std::uint32_t>(running));
    }
    return out;
  }

 private:
  const CarverSpec& spec_;
  const ReassembleOptions& o_;
  std::atomic<std::int64_t>* global_;
};

// Whether the reassembly (e, d) walks as valid (charged like attempt), the result left as it was.
bool walks_valid(Search& s, std::uint64_t e, std::uint64_t d) {
  if (e == 0) return false;
  ReassembleResult saved = s.result;
  const bool ok = s.attempt(e, d);
  const std::uint64_t candidates = s.result.candidates, examined = s.result.examined;
  s.result = std::move(saved);
  s.result.candidates = candidates, s.result.examined = examined;
  return ok;
}

// SQLite: pages lie at fixed places (page size x number), so a split moves every page after it
// by the gap. The layout read from the contiguous view (carvers/sqlite_layout.hpp) names the
// first page that failed; the split lies at a sector boundary in it or in the 16 pages before it
// (pages whose content nothing checks: overflow and freelist pages, may hide it for a while).
// For a split point e, the pages wholly after e that a page wholly before it refers to must be
// of the kind it expects (a b-tree page of its kind whose first key lies in the range its parent
// gives it, an overflow page naming a page of the database): up to 8 of them among the next 4096
// pages, checked at their place moved by each gap (memoised per page and gap, so the check reads
// each place once). Then the walk, over the two pieces; and, because a split inside bytes nothing
// checks (text in a cell, the content of an overflow page) validates at neighbouring split points
// too, the candidate is accepted only when the split points one sector before and after it do
// not validate (else that gap is given up: no split point of it is taken).
void sqlite(Search& s) {
  const ByteView& v = s.v;
  if (!v.has(0, 100)) return;
  const std::uint64_t page_guess = v.u16be(16) == 1 ? 65536 : v.u16be(16);
  s.charge(std::min<std::uint64_t>(v.size(), page_guess * std::uint64_t{v.u32be(28)}));
  const auto layout = sqlite_layout(v);
  if (!layout || !layout->first_bad) return;
  const SqliteLayout& l = *layout;
  const std::uint64_t page = l.page, length = page * l.pages, bad = l.first_bad;
  const std::uint64_t sector = s.gap(0);
  auto es = s.boundaries(bad > 17 ? (bad - 17) * page : 1, bad * page - 1);
  std::map<std::pair<std::uint64_t, std::uint64_t>, bool> fits;  // (page, gap) -> the page fits there
  auto fits_at = [&](std::uint64_t q, std::uint64_t d) {
    auto [it, fresh] = fits.try_emplace({q, d}, false);
    if (fresh) {
      s.charge(16);
      it->second = sqlite_page_fits(v, (q - 1) * page + d, l, q);
    }
    return it->second;
  };
  auto validates = [&](std::uint64_t e, std::uint64_t d) { return walks_valid(s, e, d); };
  std::set<std::uint64_t> ambiguous;  // gaps at which several split points validate
  for (auto it = es.rbegin(); it != es.rend(); ++it) {
    const std::uint64_t e = *it;
    // The pages the search checks: b-tree pages first (their checks are the strongest).
    std::vector<std::uint64_t> expect;
    const std::uint64_t first = (e + page - 1) / page + 1, last = std::min<std::uint64_t>(l.pages, first + 4095);
    for (int pass = 0; pass < 2 && expect.size() < 8; ++pass)
      for (std::uint64_t q = first; q <= last && expect.size() < 8; ++q) {
        const SqlitePage k = l.kind[q];
        const bool btree = k == SqlitePage::table || k == SqlitePage::index;
        const bool other = k == SqlitePage::overflow || k == SqlitePage::free_trunk;
        if ((pass == 0 ? btree : other) && std::uint64_t{l.from[q]} * page <= e) expect.push_back(q);
      }
    if (expect.empty()) continue;
    for (std::uint64_t i = 0; i < s.gaps(); ++i) {
      const std::uint64_t d = s.gap(i);
      if (length + d > v.size()) break;
      if (!std::all_of(expect.begin(), expect.end(), [&](std::uint64_t q) { return fits_at(q, d); })) continue;
      if (ambiguous.count(d) || !validates(e, d)) continue;
      if (validates(e - sector, d) || (e + sector < length && validates(e + sector, d))) {
        ambiguous.insert(d);  // the split points that validate with d are a run: none is taken
        continue;
      }
      s.attempt(e, d);
      return;
    }
  }
}

// A zlib stream (PDF's FlateDecode) at view [pos, pos + len) of f: true when it inflates to its
// end, where its Adler-32 must match, within len bytes. The output is dropped.
bool zlib_stream_ends(Search& s, const ByteView& f, std::uint64_t pos, std::uint64_t len) {
  s.charge(len);
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return false;
  static thread_local std::vector<unsigned char> out(1 << 16);
  int r = Z_OK;
  std::uint64_t at = pos, produced = 0;
  while (r == Z_OK && at < pos + len) {
    auto w = f.window(at, std::min<std::uint64_t>(pos + len - at, 1 << 20));
    z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(w.data()));
    z.avail_in = static_cast<uInt>(w.size());
    while (r == Z_OK && z.avail_in > 0) {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      r = inflate(&z, Z_NO_FLUSH);
      produced += out.size() - z.avail_out;
      if (r == Z_OK && produced > (std::uint64_t{1} << 28)) r = Z_DATA_ERROR;
    }
    at += w.size() - z.avail_in;
  }
  inflateEnd(&z);
  return r == Z_STREAM_END;
}

// PDF with a classic xref table: the startxref before the %%EOF the walk ended at names where
// the table lies in the file; the table is found at that place plus the gap (one 4-byte check per
// gap). Its entries then tell which objects lie unmoved (in the first piece) and which moved by
// the gap (all of them must): the split lies between the last unmoved object's header and the
// first moved one's. Each sector boundary there is tried: where that object has a FlateDecode
// stream, it must inflate to its end (zlib's Adler-32) over the two pieces; then the walk (which checks every entry of
// the table) must pass. Bytes nothing checks (a dictionary, an uncompressed stream) let several
// split points pass: the reassembly is taken only when exactly one (split point, gap) does, over
// every gap and %%EOF tried. A %%EOF inside the gap (a piece of another PDF) ends the walk early:
// the next %%EOFs after it (up to 64, within the largest gap and 16 MiB) are tried too.
// Documents with cross-reference streams (PDF 1.5 object streams) are not searched.
void pdf(Search& s, std::uint64_t broken_end) {
  const ByteView& v = s.v;
  // Every (split point, gap) that validates, over every %%EOF and gap; a reassembly is taken only
  // when there is exactly one. Taking the first gap with a single split point let a look-alike
  // document's xref table, found at a later %%EOF, validate a wrong pair once the true gap had
  // given several split points (issue 17).
  std::optional<std::pair<std::uint64_t, std::uint64_t>> chosen;
  std::uint64_t end = broken_end;
  const std::uint64_t reach = std::min<std::uint64_t>(v.size(), broken_end + s.gap(s.gaps() - 1) + (16 << 20));
  for (int eofs = 0; eofs < 64 && end > 0; ++eofs) {
    const auto x = pdf_startxref_before_eof(v, end);
    s.charge(64);
    if (x)
      for (std::uint64_t i = 0; i < s.gaps(); ++i) {
        const std::uint64_t d = s.gap(i);
        if (*x + d + 4 > end) break;
        s.charge(4);
        if (!v.equals(*x + d, "xref")) continue;
        auto table = pdf_xref_table(v, *x + d);
        if (!table || table->empty()) continue;
        s.charge(20 * table->size());
        auto entries = std::move(*table);
        std::sort(entries.begin(), entries.end(), [](const PdfXrefEntry& a, const PdfXrefEntry& b) { return a.offset < b.offset; });
        std::size_t k = 0;
        for (; k < entries.size() && entries[k].offset < *x; ++k) {
          s.charge(48);
          if (pdf_object_number_at(v, entries[k].offset) != entries[k].number) break;
        }
        if (entries.back().offset >= *x) continue;
        bool moved = true;
        for (std::size_t j = k; j < entries.size() && moved; ++j) {
          s.charge(48);
          moved = pdf_object_number_at(v, entries[j].offset + d) == entries[j].number;
        }
        if (!moved) continue;
        const std::uint64_t lo = k ? entries[k - 1].offset + 1 : 1, hi = k < entries.size() ? entries[k].offset : *x;
        for (auto e : s.boundaries(lo, hi)) {
          const ByteView f = s.pieces(e, d);
          if (k > 0) {
            s.charge(std::min(hi, entries[k - 1].offset + 4096) - entries[k - 1].offset);
            const auto stream = pdf_stream_at(f, entries[k - 1].offset, hi);
            if (stream && stream->flate && !zlib_stream_ends(s, f, stream->data, stream->length)) continue;
          }
          if (!walks_valid(s, e, d)) continue;
          if (chosen && *chosen != std::pair(e, d)) return;  // two reassemblies validate: neither is taken
          chosen = std::pair(e, d);
        }
      }
    auto next = v.find("%%EOF", end, reach);
    s.charge((next ? *next : reach) - end);
    if (!next) break;
    end = *next + 5;
    if (v.has(end, 1) && v.u8(end) == '\r') ++end;
    if (v.has(end, 1) && v.u8(end) == '\n') ++end;
  }
  if (chosen) s.attempt(chosen->first, chosen->second);
}

bool is_chunk_type(const ByteView& v, std::uint64_t pos) {
  for (int i = 0; i < 4; ++i) {
    const unsigned c = v.u8(pos + i);
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

bool chunk_header_at(const ByteView& v, std::uint64_t pos) {
  return v.has(pos, 12) && v.u32be(pos) <= 0x7FFFFFFF && is_chunk_type(v, pos + 4);
}

// PNG: the walk stopped at the chunk starting at p.
void png(Search& s, std::uint64_t p) {
  const ByteView& v = s.v;
  if (!v.has(p, 12)) return;
  if (!chunk_header_at(v, p)) {
    // Not a chunk header: the previous chunk checked out, so the split is at p or inside this
    // header (at most 8 bytes on: a sector boundary or none).
    for (auto e : s.boundaries(p, p + 7))
      for (std::uint64_t i = 0; i < s.gaps(); ++i) {
        const std::uint64_t d = s.gap(i);
        if (e + d + 12 > v.size()) break;
        s.charge(12);
        const ByteView f = s.pieces(e, d);
        if (!chunk_header_at(f, p)) continue;
        if (s.attempt(e, d)) return;
      }
    return;
  }
  // A chunk whose CRC failed: the split lies inside it, in (p, c).
  const std::uint64_t len = v.u32be(p), c = p + 12 + len;
  const auto es = s.boundaries(p + 1, c - 1);
  if (es.empty()) return;
  std::vector<std::uint64_t> crc_es;  // split points before the CRC field: crc_splits finds them
  for (auto e : es)
    if (e >= p + 4 && e <= c - 4) crc_es.push_back(e);
  std::vector<std::uint32_t> prefix;
  bool prefixes_done = false;
  for (std::uint64_t i = 0; i < s.gaps(); ++i) {
    const std::uint64_t d = s.gap(i);
    if (c + d + 12 > v.size()) break;
    s.charge(12);
    // The chunk after the broken one, whole in the second piece, with a matching CRC.
    if (!chunk_header_at(v, c + d)) continue;
    const std::uint64_t next = v.u32be(c + d);
    if (!v.has(c + d, 12 + next) || s.crc(c + d + 4, 4 + next) != v.u32be(c + d + 8 + next)) continue;
    if (!prefixes_done) {
      prefix = s.prefixes(crc_es, p + 4);
      prefixes_done = true;
    }
    const std::uint32_t stored = v.u32be(c - 4 + d);
    for (auto e : s.crc_splits(crc_es, prefix, p + 4, c - 4, d, stored))
      if (s.attempt(e, d)) return;
    for (auto e : es)  // a split inside the CRC field itself
      if (e > c - 4 && s.attempt(e, d)) return;
  }
}

// ZIP: the members in order from the file's start, by their local headers.
struct ZipMember {
  std::uint64_t header = 0, data = 0, csize = 0, usize = 0;
  std::uint32_t crc = 0;
  unsigned method = 0, flags = 0;
  bool descriptor = false;  // sizes and CRC in a data descriptor after the data: its end is unknown here
};

std::optional<ZipMember> zip_member_at(const ByteView& v, std::uint64_t pos) {
  if (!v.has(pos, 30) || !v.equals(pos, "PK\x03\x04")) return std::nullopt;
  ZipMember m;
  m.header = pos;
  m.flags = v.u16le(pos + 6);
  m.method = v.u16le(pos + 8);
  m.crc = v.u32le(pos + 14);
  m.csize = v.u32le(pos + 18);
  m.usize = v.u32le(pos + 22);
  const std::uint64_t name_len = v.u16le(pos + 26), extra_len = v.u16le(pos + 28);
  if (name_len == 0 || name_len > 4096 || m.csize == 0xFFFFFFFF || m.usize == 0xFFFFFFFF) return std::nullopt;  // ZIP64: not searched
  m.data = pos + 30 + name_len + extra_len;
  m.descriptor = (m.flags & 8) != 0;
  return m;
}

bool zip_next_at(const ByteView& v, std::uint64_t pos) {
  return v.has(pos, 4) && (v.equals(pos, "PK\x03\x04") || v.equals(pos, "PK\x01\x02"));
}

// Whether member m's data is intact in f (CRC and sizes).
bool zip_member_intact(const ByteView& f, const ZipMember& m) {
  if (m.method == 0) return m.csize == m.usize && crc32_of(f, m.data, m.csize) == m.crc;
  if (m.method != 8) return false;
  auto inflated = inflate_raw(f, m.data, m.csize, std::uint64_t{1} << 36);
  return inflated && inflated->consumed == m.csize && inflated->crc == m.crc && (inflated->produced & 0xFFFFFFFF) == m.usize;
}

// The split points e (ascending) to try for a split inside member m with gap d, best first:
// stored, those where the CRC over the two pieces matches; deflated, back from where inflate
// stopped; then the points past m's data (inside the next header), walked as they are.
void zip_member_splits(Search& s, const ZipMember& m, const std::vector<std::uint64_t>& es, std::uint64_t d) {
  const ByteView& v = s.v;
  const std::uint64_t q = m.data + m.csize;
  std::vector<std::uint64_t> inside;
  for (auto e : es)
    if (e >= m.data && e <= q) inside.push_back(e);
  if (m.method == 0 && !inside.empty()) {
    const auto prefix = s.prefixes(inside, m.data);
    for (auto e : s.crc_splits(inside, prefix, m.data, q, d, m.crc))
      if (s.attempt(e, d)) return;
  } else if (m.method == 8 && !inside.empty()) {
    s.charge(m.csize);
    const std::uint64_t stop = m.data + inflate_stop_at(v, m.data, m.csize);
    for (auto it = inside.rbegin(); it != inside.rend(); ++it) {
      if (*it > stop) continue;
      s.charge(m.csize + 4096);
      if (zip_member_intact(s.pieces(*it, d), m) && s.attempt(*it, d)) return;
    }
  }
  for (auto e : es)  // in m's header, or in the header after m's data
    if ((e < m.data || e > q) && s.attempt(e, d)) return;
}

void zip(Search& s) {
  const ByteView& v = s.v;
  // The members as far as their local headers chain: the split lies after the last one's header.
  std::uint64_t pos = 0, count = 0;
  std::optional<ZipMember> last;
  bool member_break = false;
  for (;;) {
    auto m = zip_member_at(v, pos);
    if (!m) break;
    last = m;
    ++count;
    if (m->descriptor) {
      member_break = true;  // the chain cannot be followed past it here; the end record may still tell the gap
      break;
    }
    pos = m->data + m->csize;
    if (!zip_next_at(v, pos)) {
      member_break = true;
      break;
    }
    if (v.equals(pos, "PK\x01\x02")) break;
  }
  if (!last) return;
  const ZipMember m = *last;
  const std::uint64_t q = m.data + m.csize;
  // 1. The end-of-central-directory record after the break gives the gap exactly: it lies right
  //    after the central directory, whose offset and size it names (file positions).
  const std::uint64_t reach = std::min<std::uint64_t>(v.size(), q + s.gap(s.gaps() - 1) + (32 << 20));
  for (std::uint64_t from = m.header + 1; from < reach;) {
    auto at = v.find("PK\x05\x06", from, reach);
    s.charge((at ? *at : reach) - from + 22);
    if (!at) break;
    from = *at + 1;
    if (!v.has(*at, 22)) break;
    const std::uint64_t entries = v.u16le(*at + 10), size = v.u32le(*at + 12), offset = v.u32le(*at + 16);
    const std::uint64_t end = offset + size;  // where the record lies in the file
    if (entries < count || end <= m.header || *at <= end) continue;
    const std::uint64_t d = *at - end;
    if (d % s.gap(0) != 0 || d > s.gap(s.gaps() - 1)) continue;
    if (m.descriptor) {
      // Where m's data ends is not known: every split point up to the record, walked in full
      // (the budget bounds it; small archives, such as most documents, fit).
      for (auto e : s.boundaries(m.header + 1, end))
        if (s.attempt(e, d)) return;
      continue;
    }
    // Splits from inside m up to the record (a split inside the central directory included).
    const std::uint64_t hi = member_break ? std::min(end, q + 30 + 2 * 65535) : end;
    zip_member_splits(s, m, s.boundaries(m.header + 1, hi), d);
    if (s.result.carve) return;
  }
  // 2. No usable record (beyond the search, or itself in the gap): the gaps at which a header
  //    follows m's data, one 4-byte check each.
  if (!member_break || m.descriptor || (m.method != 0 && m.method != 8)) return;
  const auto es = s.boundaries(m.data, q);
  if (es.empty()) return;
  for (std::uint64_t i = 0; i < s.gaps(); ++i) {
    const std::uint64_t d = s.gap(i);
    if (q + d + 4 > v.size()) break;
    s.charge(4);
    if (!zip_next_at(v, q + d)) continue;
    zip_member_splits(s, m, es, d);
    if (s.result.carve) return;
  }
}

// GZIP: the header as the walk reads it; the deflate stream's first byte, or 0.
std::uint64_t gzip_data_start(const ByteView& v) {
  const unsigned flags = v.u8(3);
  std::uint64_t pos = 10;
  if (flags & 4) pos += 2 + std::uint64_t{v.u16le(pos)};
  for (unsigned bit : {8u, 16u})
    if (flags & bit) {
      auto nul = v.find(std::string_view("\0", 1), pos, pos + (1 << 16));
      if (!nul) return 0;
      pos = *nul + 1;
    }
  if (flags & 2) pos += 2;
  return pos;
}

// Compressed data looks random: a sector of it holds about 220 distinct byte values. Zeros,
// text, most executables hold far fewer; a sector with under 128 is taken for something else.
class Density {
 public:
  explicit Density(Search& s) : s_(s) {}
  bool dense(std::uint64_t pos) {
    auto [it, fresh] = memo_.try_emplace(pos, false);
    if (!fresh) return it->second;
    const ByteView& v = s_.v;
    const std::uint64_t n = std::min<std::uint64_t>(512, v.size() > pos ? v.size() - pos : 0);
    s_.charge(n);
    std::byte buffer[512];
    v.read(pos, std::span(buffer, static_cast<std::size_t>(n)));
    std::uint64_t seen[4] = {};
    unsigned distinct = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned b = std::to_integer<unsigned>(buffer[i]);
      const std::uint64_t bit = std::uint64_t{1} << (b & 63);
      if (!(seen[b >> 6] & bit)) ++distinct, seen[b >> 6] |= bit;
    }
    return it->second = distinct >= 128;
  }
  // True when the sector at pos is one byte value repeated (zeros, a fill pattern).
  bool constant(std::uint64_t pos) {
    auto [it, fresh] = constant_.try_emplace(pos, false);
    if (!fresh) return it->second;
    s_.charge(64);
    // Read whole: a window may end early where the chunk's bytes or a cache block end, and what a
    // sector is must not depend on that (issue 17: split points, so records, changed with the
    // chunk geometry; Reassembly.RecordsDoNotDependOnChunkGeometry).
    if (!s_.v.has(pos, 512)) return it->second = false;
    std::array<std::byte, 512> w;
    s_.v.read(pos, w);
    return it->second = std::all_of(w.begin(), w.end(), [&](std::byte b) { return b == w[0]; });
  }

 private:
  Search& s_;
  std::unordered_map<std::uint64_t, bool> memo_, constant_;
};

// Split points to try for a stream that stopped decoding at the last of `all` (ascending sector
// boundaries), most likely first: that one (garbage fails fast as a rule); going back from there,
// where a run of one byte value starts (a zero-filled gap decodes for a while) and where sectors
// that look compressed give way to ones that do not (a gap of text or code); the sectors just
// before the stop.
std::vector<std::uint64_t> split_order(Search& s, Density& density, const std::vector<std::uint64_t>& all) {
  const ByteView& v = s.v;
  std::vector<std::uint64_t> order{all.back()};
  auto add = [&](std::uint64_t e) {
    if (std::find(order.begin(), order.end(), e) == order.end()) order.push_back(e);
  };
  auto constant = [&](std::uint64_t pos) { return density.constant(pos); };
  unsigned runs = 0, flips = 0;
  for (std::size_t i = all.size() - 1, looked = 0; i > 0 && looked < 4096 && (runs < 4 || flips < 4); --i, ++looked) {
    if (all[i] + 512 > v.size()) continue;
    if (runs < 4 && constant(all[i]) && !constant(all[i - 1])) ++runs, add(all[i]);
    if (flips < 4 && !density.dense(all[i]) && density.dense(all[i - 1])) ++flips, add(all[i]);
  }
  for (std::size_t i = 1; i < all.size() && i < 32; ++i) add(all[all.size() - 1 - i]);
  return order;
}

void gzip(Search& s, std::uint64_t broken_at) {
  const ByteView& v = s.v;
  const std::uint64_t data = gzip_data_start(v);
  if (data == 0 || broken_at <= data) return;
  const auto all = s.boundaries(data + 1, broken_at, /*last=*/true);
  if (all.empty()) return;
  Density density(s);
  std::vector<std::uint64_t> order = split_order(s, density, all);
  // zlib's state at each split point, from one pass over the first piece.
  std::vector<std::uint64_t> ascending = order;
  std::sort(ascending.begin(), ascending.end());
  std::vector<std::unique_ptr<InflateState>> states;
  {
    InflateState z;
    std::uint64_t at = data;
    bool failed = false;
    for (auto e : ascending) {
      s.charge(e - at);
      while (!failed && at < e) {
        auto w = v.window(at, e - at);
        failed = z.feed(w) != InflateState::more;  // the stream fails (or ends) before this split point
        at += w.size();
      }
      if (failed) break;
      states.push_back(std::make_unique<InflateState>(z));
    }
    ascending.resize(states.size());
    std::erase_if(order, [&](std::uint64_t e) { return !std::binary_search(ascending.begin(), ascending.end(), e); });
  }
  // Each gap whose first sector looks compressed: zlib's state at the split point goes on over
  // the image after the gap, sector by sector (a sector that does not look compressed ends the
  // trial), to the stream's end, where the trailer must hold the CRC-32 and length of all the
  // output. Only then the walk, over the two pieces.
  for (auto e : order) {
    const auto& state = *states[static_cast<std::size_t>(std::lower_bound(ascending.begin(), ascending.end(), e) - ascending.begin())];
    for (std::uint64_t i = 0; i < s.gaps(); ++i) {
      const std::uint64_t d = s.gap(i);
      if (e + d + 512 > v.size()) break;
      if (!density.dense(e + d)) continue;
      InflateState trial(state);
      trial.drop_crc();  // the walk checks the CRC of a trial that gets through
      s.charge(4096);  // the copy of zlib's state and window
      InflateState::Result r = InflateState::more;
      std::array<std::byte, 512> sector;
      for (std::uint64_t at = e + d; r == InflateState::more && at < v.size();) {
        // Whole sectors, read as such wherever the view's windows end (see Density::constant).
        const auto w = std::span(sector.data(), static_cast<std::size_t>(std::min<std::uint64_t>(512, v.size() - at)));
        v.read(at, w);
        const std::uint64_t made = trial.produced();
        r = trial.feed(w);
        // Garbage decoded with the stream's own Huffman tables goes on until its block ends,
        // often tens of KiB of output per sector: the output is charged too (an eighth).
        s.charge(w.size() + (trial.produced() - made) / 8);
        if (r == InflateState::more && w.size() == 512 && at > e + d && !density.dense(at))
          break;
        at += w.size();
      }
      if (r != InflateState::end) continue;
      const std::uint64_t trailer = data + trial.total_in() + d;  // in the image after the gap
      if (!v.has(trailer, 8) || v.u32le(trailer + 4) != (trial.produced() & 0xFFFFFFFF)) continue;
      if (s.attempt(e, d)) return;
    }
  }
}


// JPEG: the file as the view [0, e), then the view from e + d (a reader for the scan decoder that
// needs no view of its own per trial).
struct JpegPieces {
  const ByteView& v;
  std::uint64_t e, d;
  std::uint8_t u8(std::uint64_t pos) const { return v.u8(pos < e ? pos : pos + d); }
};

// Image continuity across a split, on the DC coefficients (block averages). For the blocks in the
// top block row of each MCU, the block above lies in the MCU one row up (same component): its
// "jump" is |DC - DC above|. A split's seam score is the mean jump over the two MCU rows after
// the split (the first row's blocks above were decoded in piece 1, the second's in the first),
// over the mean jump of the two rows before it (the image's own texture there, at least
// jpeg_floor). A true continuation scores about 1;
// another image's data, zeros or garbage decoded with the same tables do not line up with the
// row above and score far higher.
constexpr double jpeg_floor = 2.0;      // mean jump below which a region counts as flat
constexpr double jpeg_threshold = 3.0;  // seam scores above this are rejected
constexpr double jpeg_early = 12.0;     // a trial ends once its seam runs above this from the 16th MCU (3x from
                                        // the 4th; /2 from half a row, /2.4 from a row, both from the 32nd MCU on)
// Decoding bit by bit costs several times more per byte than the other formats' checks (CRC-32,
// inflate): a trial is charged this many times the bytes it decodes.
constexpr std::uint64_t jpeg_cost = 4;
constexpr double jpeg_margin = 2.0;     // the best score must be this many times below the runner-up's
                                        // (and the runner-up over jpeg_threshold)

class JpegGeometry {
 public:
  explicit JpegGeometry(const JpegScanSetup& s) : row(s.mcus_per_row) {
    for (unsigned c = 0; c < s.count; ++c) {
      for (unsigned by = 0; by < s.v[c]; ++by)
        for (unsigned bx = 0; bx < s.h[c]; ++bx)
          if (by == 0) tops.push_back({per_mcu + bx, per_mcu + (s.v[c] - 1) * s.h[c] + bx});
      per_mcu += s.blocks[c];
    }
  }
  std::uint64_t row = 0;  // MCUs per row
  unsigned per_mcu = 0;   // blocks per MCU
  // Blocks of an MCU in its top block row: (index in the MCU, index of the block above in the MCU above).
  std::vector<std::pair<unsigned, unsigned>> tops;

  // Sum of the jumps of MCU m (>= row), its DCs in `mine`, those of the MCU above in `above`.
  std::int64_t jump(const std::int32_t* mine, const std::int32_t* above) const {
    std::int64_t sum = 0;
    for (auto [k, a] : tops) sum += std::abs(std::int64_t{mine[k]} - above[a]);
    return sum;
  }
};

struct JpegCandidate {
  double score = 0;
  std::uint64_t e = 0, d = 0;
  Carve carve;
};

void jpeg(Search& s, const CarverSpec& spec, std::uint64_t broken_at) {
  const ByteView& v = s.v;
  std::optional<JpegScanAt> scan;
  s.charge(broken_at);
  if (jpeg_walk(v, &scan), !scan || scan->setup.mcus == 0 || scan->data >= broken_at) return;
  const JpegScanSetup& setup = scan->setup;
  const JpegGeometry g(setup);
  if (g.row == 0 || g.tops.empty() || setup.mcus <= g.row) return;
  // Piece 1: the scan decoded as far as it goes, with every block's DC, and the decoder's state at
  // the last MCU boundary at or before each sector boundary (a trial decodes on from there).
  std::vector<std::int32_t> dcs;
  std::vector<std::pair<std::uint64_t, JpegDecoder>> checkpoints;  // (split point e, state)
  {
    JpegDecoder dec;
    dec.pos = scan->data;
    const std::uint64_t sector = s.gap(0), start = v.start();
    std::uint64_t next = ((start + dec.pos) / sector + 1) * sector - start;  // the next boundary
    std::vector<std::int32_t> block(g.per_mcu);
    JpegDecoder before = dec;
    std::uint64_t charged = dec.pos;  // bytes decoded are charged as the decode goes
    try {
      while (dec.mcu < setup.mcus && dcs.size() < (std::uint64_t{4} << 20)) {  // 16 MiB of DCs at most
        before = dec;
        if (dec.step(v, setup, block.data()) == JpegDecoder::fault) break;
        if (dec.pos - charged >= (64 << 10)) s.charge(dec.pos - charged), charged = dec.pos;
        dcs.insert(dcs.end(), block.begin(), block.end());
        for (; next < dec.pos; next += sector) checkpoints.push_back({next, before});
      }
    } catch (const EndOfView&) {
    }
    s.charge(dec.pos > charged ? dec.pos - charged : 0);
    if (dec.mcu < setup.mcus)  // split points inside the MCU that failed
      for (; next <= dec.pos; next += sector) checkpoints.push_back({next, before});
    if (dec.mcu == setup.mcus) {
      dec.nbits = 0;
      try {
        if (dec.byte(v) == -1) return;  // the scan is whole: the break is elsewhere
      } catch (const EndOfView&) {
        return;
      }
    }
  }
  const std::uint64_t decoded = dcs.size() / g.per_mcu;
  auto dc_of = [&](std::uint64_t m) { return dcs.data() + m * g.per_mcu; };
  // Prefix sums of the jumps per MCU (0 in the first row), for seam scores in piece 1.
  std::vector<std::int64_t> prefix(decoded + 1, 0);
  for (std::uint64_t m = 0; m < decoded; ++m) prefix[m + 1] = prefix[m] + (m >= g.row ? g.jump(dc_of(m), dc_of(m - g.row)) : 0);
  const double tops = static_cast<double>(g.tops.size());
  // The texture before MCU m: the mean jump over the two rows before it (at least jpeg_floor).
  auto baseline = [&](std::uint64_t m) {
    const std::uint64_t from = std::max(g.row, m > 2 * g.row ? m - 2 * g.row : 0);
    if (m <= from) return jpeg_floor;
    return std::max(jpeg_floor, static_cast<double>(prefix[m] - prefix[from]) / (tops * static_cast<double>(m - from)));
  };
  // Split points: only those with a row above the split. Most likely first: where the decode
  // stopped; where the image stops being continuous in piece 1 (data that decoded on past the
  // split: zeros, another JPEG); where a run of one byte value or of sparse sectors begins; the
  // sectors just before the stop.
  std::erase_if(checkpoints, [&](const auto& c) { return c.second.mcu < g.row; });
  if (checkpoints.empty()) return;
  std::vector<std::uint64_t> all;
  for (const auto& c : checkpoints) all.push_back(c.first);
  Density density(s);
  std::vector<std::uint64_t> order = split_order(s, density, all);
  {
    std::vector<std::pair<double, std::uint64_t>> breaks;
    std::uint64_t last_mcu = UINT64_MAX;
    for (const auto& [e, state] : checkpoints) {
      if (state.mcu == last_mcu || state.mcu + g.row > decoded) continue;
      last_mcu = state.mcu;
      const double seam = static_cast<double>(prefix[state.mcu + g.row] - prefix[state.mcu]) / (tops * static_cast<double>(g.row));
      breaks.push_back({seam / baseline(state.mcu), e});
    }
    std::sort(breaks.begin(), breaks.end(), std::greater<>());
    std::vector<std::uint64_t> merged{order.front()};
    for (std::size_t i = 0; i < breaks.size() && i < 8; ++i)
      if (breaks[i].second != merged.front()) merged.push_back(breaks[i].second);
    for (auto e : order)
      if (std::find(merged.begin(), merged.end(), e) == merged.end()) merged.push_back(e);
    order = std::move(merged);
  }
  if (order.size() > 16) order.resize(16);
  // Past the seam, whether a trial decodes to the end depends only on where it is in the image
  // (and its bit position), not on how it got there: trials that fall into the same data (the
  // image's own later scan data, another JPEG's) meet the same states. `memo`: for states met
  // (one per sector decoded), the MCUs from there to a marker, or -1 when it fails. Not for scans
  // with restart markers (their state includes the restart count; wrong trials fail fast there).
  const bool memo_on = setup.restart_interval == 0;
  std::unordered_map<std::uint64_t, std::int64_t> memo;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> visited;  // (state key, MCUs decoded there)
  std::optional<JpegCandidate> best, second;
  auto consider = [&](JpegCandidate c) {
    if (!best || c.score < best->score) {
      second = std::move(best);
      best = std::move(c);
    } else if (!second || c.score < second->score) {
      second = std::move(c);
    }
  };
  // Each split point's decoder state and texture; the trials go gap by gap, smallest first, over
  // all split points (short gaps are the commonest, and one search may not reach the long ones).
  std::vector<std::pair<const JpegDecoder*, double>> states;
  for (const auto e : order) {
    const auto cp = std::lower_bound(checkpoints.begin(), checkpoints.end(), e, [](const auto& c, std::uint64_t x) { return c.first < x; });
    states.push_back({&cp->second, baseline(cp->second.mcu)});
  }
  try {
    for (std::uint64_t i = 0; i < s.gaps(); ++i) {
      const std::uint64_t d = s.gap(i);
      for (std::size_t split = 0; split < order.size(); ++split) {
        const std::uint64_t e = order[split];
        const JpegDecoder& state = *states[split].first;
        const double base = states[split].second;
        if (e + d + 512 > v.size()) continue;
        if (density.constant(e + d)) continue;
        // The trial: piece 1's decoder goes on over the image after the gap. The seam row first
        // (rejected as soon as its jumps run far above the threshold), then the rest of the scan,
        // to exactly the frame's MCU count and a marker; sectors of one byte value end it.
        JpegDecoder t = state, pre = state;
        const JpegPieces r{v, e, d};
        std::vector<std::int32_t> block(g.per_mcu), trial;
        std::int64_t seam = 0;
        double score = 0;
        std::uint64_t checked = e;  // file positions up to here were looked at for constant sectors
        bool ok = true, ended = false;  // ended: the data stopped at a marker (or failed) on its own
        std::optional<std::int64_t> known;  // what `memo` says from a state this trial reached
        visited.clear();
        try {
          while (ok && t.mcu < setup.mcus) {
            const std::uint64_t done = t.mcu - state.mcu;
            if (memo_on && done >= 2 * g.row && t.pos >= e) {  // past the seam: the rest depends on the state only
              const std::uint64_t key = (t.pos + d) << 12 | std::uint64_t{t.nbits} << 8 | (t.bits & ((1u << t.nbits) - 1));
              if (auto it = memo.find(key); it != memo.end()) {
                known = it->second;
                break;
              }
              if (visited.empty() || t.pos + d >= (visited.back().first >> 12) + 512) visited.push_back({key, t.mcu});
            }
            pre = t;
            if (t.step(r, setup, block.data()) == JpegDecoder::fault) {
              ok = false;
              ended = true;
              break;
            }
            const std::uint64_t m = t.mcu - 1, n = m - state.mcu + 1;
            if (n <= 2 * g.row) {
              // The first row after the split against piece 1's last; the second against the first.
              const std::int32_t* above = n <= g.row ? dc_of(m - g.row) : trial.data() + (n - 1 - g.row) * g.per_mcu;
              seam += g.jump(block.data(), above);
              trial.insert(trial.end(), block.begin(), block.end());
              score = static_cast<double>(seam) / (tops * static_cast<double>(n)) / base;
              if ((n >= 4 && score > 3 * jpeg_early) || (n >= 16 && score > jpeg_early) ||
                  (n >= std::max<std::uint64_t>(32, g.row / 2) && score > jpeg_early / 2) ||
                  (n >= std::max<std::uint64_t>(32, g.row) && score > jpeg_early / 2.4) ||
                  ((n == 2 * g.row || t.mcu == setup.mcus) && score > jpeg_threshold))
                ok = false;
            }
            for (; ok && checked + 512 <= t.pos; checked += 512) ended = !(ok = !density.constant(checked + d));
          }
          if (known) {
            // MCUs to the end marker from the state found, or -1: never ends well from there.
            ok = *known >= 0 && t.mcu + static_cast<std::uint64_t>(*known) == setup.mcus;
          } else if (ok) {
            t.nbits = 0;
            ok = t.byte(r) == -1;
            if (ok) {
              for (const auto& [key, at] : visited) memo[key] = static_cast<std::int64_t>(setup.mcus - at);
            }
          } else if (ended) {
            // The data failed, or met a marker where an MCU begins (a scan that ends there).
            pre.nbits = 0;
            bool marker = false;
            try {
              marker = t.mcu == pre.mcu && pre.byte(r) == -1;
            } catch (const EndOfView&) {
            }
            for (const auto& [key, at] : visited) memo[key] = marker ? static_cast<std::int64_t>(t.mcu - at) : -1;
          }
        } catch (const EndOfView&) {
          ok = false;
          for (const auto& [key, at] : visited) memo[key] = -1;
        }
        s.charge(jpeg_cost * std::max<std::uint64_t>(16, t.pos > e ? t.pos - e : 0));
        if (!ok) continue;
        // The whole file, walked over the two pieces.
        if (s.shifted_start(d)) continue;
        const ByteView f = s.pieces(e, d);
        Carve c = carve(spec, f);
        ++s.result.candidates;
        s.charge(std::max(c.length, e));
        if (c.verdict != Verdict::valid || c.length <= e) continue;
        consider({score, e, d, std::move(c)});
      }
    }
  } catch (const OutOfBudget&) {
    s.result.out_of_budget = true;
  }
  // The best continuation, when it is clearly the one.
  // Another continuation that also validates and scores under the threshold makes it ambiguous:
  // a near-duplicate file (the same image saved twice) can continue any split; no guess is written.
  if (!best || best->score > jpeg_threshold ||
      (second && (second->score <= jpeg_threshold || second->score < jpeg_margin * best->score)))
    return;
  // A first piece whose scan data holds a sector of one byte value took in the gap: zeros decode
  // as flat blocks that continue the picture smoothly, and the true split (where they begin) may
  // be one the search cannot try (the first MCU row). Found by bench/reassembly_wide.py (issue 17,
  // Reassembly.AFirstPieceThatRunsIntoZerosIsNotTaken): a JPEG cut after its first sector, 8 KiB
  // of zeros, then its rest, came back as head + zeros + a piece of its rest + the rest skipped.
  const std::uint64_t sector = s.gap(0), from = ((v.start() + scan->data) / sector + 1) * sector - v.start();
  // (These last checks are not charged: a search the budget stopped still takes its candidate,
  // and they read at most the file's first piece and the gap once.)
  for (std::uint64_t at = from; at + sector <= best->e; at += sector) {
    std::array<std::byte, 512> w;
    if (sector != w.size() || !v.has(at, w.size())) break;
    v.read(at, w);
    if (std::all_of(w.begin(), w.end(), [&](std::byte b) { return b == w[0]; })) return;
  }
  if (s.gap_holds_a_file_reaching_past_it(best->e, best->d, /*charged=*/false)) return;
  s.result.runs = {{v.start(), best->e}, {v.start() + best->e + best->d, best->carve.length - best->e}};
  best->carve.note = "reassembled from 2 fragments, gap " + std::to_string(best->d) + " bytes (DC seam score " +
                     std::to_string(best->score).substr(0, 4) + ")";
  s.result.carve = std::move(best->carve);
}

}  // namespace

bool can_reassemble(const CarverSpec& spec) {
  return &spec == &png_spec || &spec == &zip_spec || &spec == &gzip_spec || &spec == &sqlite_spec || &spec == &pdf_spec ||
         &spec == &jpeg_spec;
}

ReassembleResult reassemble(const CarverSpec& spec, const ByteView& view, const Carve& broken, const ReassembleOptions& options,
                            std::atomic<std::int64_t>* global) {
  Search s(spec, view, options, global);
  if (broken.verdict != Verdict::corrupt || !can_reassemble(spec) || options.sector == 0 || options.max_gap < options.sector)
    return {};
  try {
    if (&spec == &sqlite_spec) sqlite(s);
    if (&spec == &pdf_spec) pdf(s, broken.length);
    if (&spec == &png_spec) png(s, broken.length);
    if (&spec == &zip_spec) zip(s);
    if (&spec == &gzip_spec) gzip(s, broken.length);
    if (&spec == &jpeg_spec) jpeg(s, spec, broken.length);
  } catch (const OutOfBudget&) {
    s.result.out_of_budget = true;
  } catch (const EndOfView&) {
    // A check read past what the image holds: no continuation there.
  }
  return std::move(s.result);
}

}  // namespace trawl::carvers
