// Bifragment gap carving of SQLite databases: real databases made by python3's sqlite3 module
// (make_databases.py: page sizes 4096 and 1024, several tables, indexes, overflow and freelist
// pages), split in two at sector or cluster boundaries with gaps of one sector to 1 MiB filled
// with random bytes, zeros or pieces of another database, scanned through trawl::scan. At least
// half of the split databases must come back byte-exact, no reassembly that differs from its
// original may be reported, a split database must never be carved as valid with its gap inside,
// and the contiguous copies must all still be carved.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "carvers/carver.hpp"
#include "carvers/reassemble.hpp"
#include "carvers/pdf_xref.hpp"
#include "carvers/sqlite_layout.hpp"
#include "host/util/text.hpp"
#include "samples.hpp"
#include "support/digest.hpp"
#include "support/memory_source.hpp"

namespace trawl::test {
namespace {

const fs::path& database_dir() {
  static TempDir dir;
  return dir.path();
}

std::vector<std::vector<std::byte>> databases() {
  static const bool made =
      run("python3 " + shell_quote(TRAWL_CARVER_TEST_DIR "/make_databases.py") + " " + shell_quote(database_dir().string()) + " 10")
          .exit_code == 0;
  std::vector<std::vector<std::byte>> out;
  if (!made) return out;
  for (int i = 0; i < 10; ++i) out.push_back(read_bytes(database_dir() / ("db" + std::to_string(i) + ".sqlite")));
  return out;
}

struct Split {
  std::string sha256;
  std::uint64_t offset = 0, cut = 0, gap = 0;
  int fill = 0;  // 0 random, 1 zeros, 2 another database
};

struct Image {
  std::vector<std::byte> bytes;
  std::vector<Split> split, whole;
  std::set<std::string> originals;
};

// Every file twice: whole, then split (cut at a sector for odd ones, a 4 KiB cluster for even
// ones, where `cut_at(rng, size, unit)` says), with gaps cycling from one sector to 1 MiB and the
// three fillings (random, zeros, the next file from `other_from(next)`, cycled to the gap's
// length) cycling independently of them. Files and pieces are padded to whole sectors.
template <typename CutAt, typename OtherFrom>
Image split_image(const std::vector<std::vector<std::byte>>& files, std::uint64_t seed, CutAt cut_at, OtherFrom other_from) {
  Image out;
  std::mt19937_64 rng(seed);
  auto pad = [&](std::size_t sectors, std::uint64_t filler_seed) {
    auto filler = random_bytes(sectors * 512, filler_seed);
    out.bytes.insert(out.bytes.end(), filler.begin(), filler.end());
  };
  pad(3, 1);
  const std::uint64_t gaps[] = {512, 4096, 1 << 20, 8192, 65536, 300 * 512, 1024, 2048, 4096 * 3, 512 * 7};
  for (std::size_t n = 0; n < files.size(); ++n) {
    const auto& bytes = files[n];
    const std::string digest = sha256_hex(bytes);
    out.originals.insert(digest);
    if (out.bytes.size() % 4096) pad((4096 - out.bytes.size() % 4096) / 512, 100 + n);
    out.whole.push_back({digest, out.bytes.size(), bytes.size(), 0, 0});
    out.bytes.insert(out.bytes.end(), bytes.begin(), bytes.end());
    out.bytes.resize((out.bytes.size() + 511) / 512 * 512);
    pad(1 + n % 3, 200 + n);
    const std::uint64_t unit = n % 2 ? 512 : 4096;
    const std::uint64_t cut = cut_at(rng, bytes.size(), unit);
    if (out.bytes.size() % 4096) pad((4096 - out.bytes.size() % 4096) / 512, 300 + n);
    const std::uint64_t gap = gaps[n % 10];
    const int fill = static_cast<int>((n + n / 3) % 3);
    out.split.push_back({digest, out.bytes.size(), cut, gap, fill});
    out.bytes.insert(out.bytes.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    if (fill == 0) {
      pad(gap / 512, 400 + n);
    } else if (fill == 1) {
      out.bytes.resize(out.bytes.size() + gap);
    } else {
      const auto& other = files[(n + 1) % files.size()];
      const std::uint64_t from = other_from(other);
      for (std::uint64_t k = 0; k < gap; ++k) out.bytes.push_back(other[(from + k) % other.size()]);
    }
    out.bytes.insert(out.bytes.end(), bytes.begin() + static_cast<std::ptrdiff_t>(cut), bytes.end());
    out.bytes.resize((out.bytes.size() + 511) / 512 * 512);
    pad(2, 500 + n);
  }
  return out;
}

// The databases, split never in their first page; another database from a page boundary past its
// header fills a gap.
const Image& image() {
  static const Image img = split_image(
      databases(), 11,
      [](std::mt19937_64& rng, std::uint64_t size, std::uint64_t unit) { return 4096 + (rng() % ((size - 8192) / unit)) * unit; },
      [](const std::vector<std::byte>&) { return std::uint64_t{8192}; });
  return img;
}

ScanOptions options(const fs::path& out, bool reassemble) {
  ScanOptions o;
  o.image_hashes = {};
  o.block_hashes = {};
  o.output = out;
  o.backend = BackendKind::cpu;
  o.carve.types = {"sqlite"};
  o.carve.reassemble = reassemble;
  o.identifiers.enabled = false;
  return o;
}

// Every database made, and the layouts of make_databases.py's variants (pointer-map pages,
// WITHOUT ROWID, views, triggers, FTS5, 64 KiB pages, a long freelist), walks valid to its end.
TEST(SqliteReassembly, EveryGeneratedDatabaseWalksValid) {
  auto dbs = databases();
  if (dbs.empty()) GTEST_SKIP() << "python3's sqlite3 module is not available";
  int variants = 0;
  for (const auto& entry : fs::directory_iterator(database_dir()))
    if (entry.path().filename().string().rfind("variant-", 0) == 0) dbs.push_back(read_bytes(entry.path())), ++variants;
  EXPECT_EQ(variants, 6);
  for (const auto& db : dbs) {
    carvers::ByteView view(db);
    const auto c = carvers::carve(*carvers::find_carver("sqlite"), view);
    EXPECT_EQ(c.verdict, carvers::Verdict::valid) << c.note;
    EXPECT_EQ(c.length, db.size());
  }
}

// The walk follows every b-tree from the schema: a page overwritten with random bytes, zeros or
// a page of another database (even one of the same kind at the same place) makes it corrupt.
TEST(SqliteReassembly, AnyReplacedPageMakesTheWalkFail) {
  const auto dbs = databases();
  if (dbs.empty()) GTEST_SKIP() << "python3's sqlite3 module is not available";
  std::mt19937_64 rng(5);
  int tried = 0;
  for (std::size_t n = 0; n < dbs.size(); ++n) {
    const auto& db = dbs[n];
    const std::uint64_t page = std::to_integer<std::uint64_t>(db[16]) << 8 | std::to_integer<std::uint64_t>(db[17]);
    const std::uint64_t pages = db.size() / page;
    const auto& other = dbs[(n + 2) % dbs.size()];  // same page size
    for (int k = 0; k < 12; ++k) {
      const std::uint64_t p = 1 + rng() % (pages - 1);  // 0-based page index, not page 1
      auto copy = db;
      const int how = k % 3;
      for (std::uint64_t i = 0; i < page; ++i)
        copy[p * page + i] = how == 0   ? std::byte(static_cast<unsigned char>(rng()))
                             : how == 1 ? std::byte{0}
                                        : other[(p * page + i) % other.size()];
      if (copy == db) continue;
      carvers::ByteView view(copy);
      const auto c = carvers::carve(*carvers::find_carver("sqlite"), view);
      // A page nothing checks (the content of an overflow or freelist-leaf page) may pass.
      carvers::ByteView original(db);
      const auto layout = carvers::sqlite_layout(original);
      ASSERT_TRUE(layout);
      const auto kind = layout->kind[p + 1];
      if (kind == carvers::SqlitePage::free_leaf || kind == carvers::SqlitePage::overflow) continue;
      ++tried;
      EXPECT_EQ(c.verdict, carvers::Verdict::corrupt) << "db" << n << " page " << p + 1 << " replaced (" << how << ")";
    }
  }
  EXPECT_GE(tried, 60);
}

// The checks of a scan with reassembly on over `img`: each split file carved at its offset is its
// original, byte-exact, in the two runs it was written as; at least half come back; everything
// carved is valid and some original's bytes; every whole copy is carved, not reassembled.
void expect_split_files_recovered(const Image& img, const ScanReport& report, const fs::path& out, const char* what) {
  int recovered = 0;
  for (const auto& s : img.split) {
    auto it = std::find_if(report.carved.begin(), report.carved.end(), [&](const CarvedFile& f) { return f.offset == s.offset; });
    if (it == report.carved.end()) {
      std::printf("not recovered: cut %llu gap %llu fill %d\n", (unsigned long long)s.cut, (unsigned long long)s.gap, s.fill);
      continue;
    }
    EXPECT_EQ(it->sha256, s.sha256) << "split at " << s.cut << " gap " << s.gap << " fill " << s.fill;
    if (it->sha256 != s.sha256) continue;
    ++recovered;
    EXPECT_TRUE(it->reassembled);
    ASSERT_EQ(it->runs.size(), 2u);
    EXPECT_EQ(it->runs[0], (ByteRange{s.offset, s.cut}));
    EXPECT_EQ(it->runs[1].offset, s.offset + s.cut + s.gap);
    EXPECT_EQ(sha256_hex(read_bytes(out / it->file)), s.sha256);
  }
  std::printf("reassembly: %s %d of %zu split files byte-exact\n", what, recovered, img.split.size());
  EXPECT_GE(2 * recovered, static_cast<int>(img.split.size()));
  for (const auto& f : report.carved) {
    EXPECT_EQ(f.verdict, CarveVerdict::valid);
    EXPECT_TRUE(img.originals.count(f.sha256)) << "carved at " << f.offset << " " << f.note;
  }
  for (const auto& w : img.whole) {
    auto it = std::find_if(report.carved.begin(), report.carved.end(), [&](const CarvedFile& f) { return f.offset == w.offset; });
    ASSERT_NE(it, report.carved.end()) << "whole file at " << w.offset;
    EXPECT_EQ(it->sha256, w.sha256);
    EXPECT_FALSE(it->reassembled);
  }
}

TEST(SqliteReassembly, SplitDatabasesComeBackByteExactAndNothingWrongIsValid) {
  const auto& img = image();
  if (img.split.size() < 4) GTEST_SKIP() << "python3's sqlite3 module is not available";
  TempDir dir;
  MemorySource source(img.bytes);
  const auto report = scan(source, options(dir / "o", true));
  expect_split_files_recovered(img, report, dir / "o", "sqlite");
}

// Without reassembly a split database is not carved at all (never as valid with its gap inside);
// with it, the contiguous ones are the same.
TEST(SqliteReassembly, SplitDatabasesAreNotCarvedWithTheirGap) {
  const auto& img = image();
  if (img.split.size() < 4) GTEST_SKIP() << "python3's sqlite3 module is not available";
  TempDir dir;
  MemorySource source(img.bytes);
  const auto off = scan(source, options(dir / "o", false));
  for (const auto& s : img.split)
    EXPECT_FALSE(std::any_of(off.carved.begin(), off.carved.end(), [&](const CarvedFile& f) { return f.offset == s.offset; }))
        << "split database at " << s.offset << " carved with its gap (cut " << s.cut << ", gap " << s.gap << ")";
  EXPECT_EQ(off.carved.size(), img.whole.size());
}

// The search is bounded: a tiny budget stops it, and it says so.
TEST(SqliteReassembly, ABudgetStopsTheSearch) {
  const auto& img = image();
  if (img.split.empty()) GTEST_SKIP() << "python3's sqlite3 module is not available";
  const auto& s = img.split.front();
  MemorySource source(img.bytes);
  carvers::ByteView view(source, s.offset, img.bytes.size() - s.offset, {}, 0, false);
  const auto& spec = *carvers::find_carver("sqlite");
  const auto broken = carvers::carve(spec, view);
  ASSERT_EQ(broken.verdict, carvers::Verdict::corrupt);
  carvers::ReassembleOptions o;
  o.file_budget = 4096;
  const auto r = carvers::reassemble(spec, view, broken, o, nullptr);
  EXPECT_TRUE(r.out_of_budget);
  EXPECT_FALSE(r.carve.has_value());
}

// PDF: documents the test makes (make_files.py: pages of text and drawings, fonts, JPEG and
// FlateDecode pictures, rewritten by qpdf with classic xref tables), and page ranges of the larger
// ones extracted by qpdf (documents that share most of their objects: look-alikes, as a program's
// outputs are).
const fs::path& document_dir() {
  static TempDir dir;
  return dir.path();
}

std::vector<std::vector<std::byte>> documents() {
  constexpr int made = 24;
  static const bool ok = [] {
    const auto r = run("python3 " + shell_quote(TRAWL_CARVER_TEST_DIR "/make_files.py") + " " + shell_quote(document_dir().string()) +
                       " pdf " + std::to_string(made) + " 13");
    EXPECT_EQ(r.exit_code, 0) << "make_files.py pdf (python3, qpdf, netpbm: scripts/setup.sh): " << r.err;
    return r.exit_code == 0;
  }();
  std::vector<std::vector<std::byte>> out;
  if (!ok) return out;
  std::set<std::string> seen;
  int n = 0;
  for (int i = 0; i < made; ++i) {
    const auto src = document_dir() / ("pdf-" + std::to_string(i) + ".pdf");
    std::vector<std::string> ranges{""};
    if (fs::file_size(src) > 100000)
      for (const char* r : {"1-4", "5-8", "9-12", "13-16"}) ranges.push_back(r);
    for (const auto& r : ranges) {
      fs::path path = src;
      if (!r.empty()) {
        path = document_dir() / ("range" + std::to_string(n++) + ".pdf");
        if (run("qpdf --object-streams=disable --deterministic-id --empty --pages " + shell_quote(src.string()) + " " + r + " -- " +
                shell_quote(path.string()) + " 2>/dev/null")
                    .exit_code != 0 ||
            !fs::exists(path))
          continue;  // fewer pages than the range
      }
      auto bytes = read_bytes(path);
      if (bytes.size() < 8192) continue;
      carvers::ByteView view(bytes);
      const auto c = carvers::carve(*carvers::find_carver("pdf"), view);
      EXPECT_EQ(c.verdict, carvers::Verdict::valid) << path << ": " << c.note;
      if (c.verdict == carvers::Verdict::valid && c.length == bytes.size() && seen.insert(sha256_hex(bytes)).second)
        out.push_back(std::move(bytes));
    }
  }
  return out;
}

// The documents; another document from a third of its length fills a gap.
const Image& pdf_image() {
  static const Image img = split_image(
      documents(), 13,
      [](std::mt19937_64& rng, std::uint64_t size, std::uint64_t unit) { return (1 + rng() % (size / unit - 1)) * unit; },
      [](const std::vector<std::byte>& other) { return std::uint64_t{other.size() / 3}; });
  return img;
}

TEST(PdfReassembly, SplitDocumentsComeBackByteExactAndNothingWrongIsValid) {
  const auto& img = pdf_image();
  ASSERT_GE(img.split.size(), 16u) << "documents made (make_files.py)";
  TempDir dir;
  MemorySource source(img.bytes);
  auto o = options(dir / "o", true);
  o.carve.types = {"pdf"};
  const auto report = scan(source, o);
  expect_split_files_recovered(img, report, dir / "o", "pdf");
}

// The walk checks every entry of a classic xref table: a split document is not carved as valid
// with its gap inside.
TEST(PdfReassembly, SplitDocumentsAreNotCarvedWithTheirGap) {
  const auto& img = pdf_image();
  ASSERT_GE(img.split.size(), 16u) << "documents made (make_files.py)";
  TempDir dir;
  MemorySource source(img.bytes);
  auto o = options(dir / "o", false);
  o.carve.types = {"pdf"};
  const auto off = scan(source, o);
  for (const auto& s : img.split)
    EXPECT_FALSE(std::any_of(off.carved.begin(), off.carved.end(), [&](const CarvedFile& f) { return f.offset == s.offset; }))
        << "split document at " << s.offset << " carved with its gap (cut " << s.cut << ", gap " << s.gap << ")";
  for (const auto& f : off.carved) EXPECT_TRUE(img.originals.count(f.sha256)) << "carved at " << f.offset;
}

// Found by bench/compare_reassembly.sh: a truncated PDF followed, 12800 bytes on, by another PDF
// from the same program: their first sector alike, the second's xref table, read 12800 bytes
// late, validated "the first sector of one + the rest of the other". A continuation that is
// another file of the type starting at the first piece's start plus the gap is not taken.
TEST(PdfReassembly, ATruncatedFileFollowedByAnotherOfItsKindIsNotJoinedToIt) {
  const fs::path dir_samples = "/usr/share/forensics-samples/original-files";
  const auto a = pinned_bytes(dir_samples / "text1/a-text-pass-peanuts.pdf"), b = pinned_bytes(dir_samples / "text2/d-text.pdf");
  ASSERT_FALSE(a.empty() || b.empty());
  std::vector<std::byte> bytes = random_bytes(4096, 1);
  const std::uint64_t at = bytes.size();
  bytes.insert(bytes.end(), a.begin(), a.begin() + 4638);  // cut short
  auto filler = random_bytes(12800 - 4638, 2);
  bytes.insert(bytes.end(), filler.begin(), filler.end());
  bytes.insert(bytes.end(), b.begin(), b.end());
  bytes.resize((bytes.size() + 511) / 512 * 512 + 1024);
  TempDir dir;
  MemorySource source(bytes);
  auto o = options(dir / "o", true);
  o.carve.types = {"pdf"};
  const auto report = scan(source, o);
  EXPECT_FALSE(std::any_of(report.carved.begin(), report.carved.end(), [&](const CarvedFile& f) { return f.offset == at; }))
      << "the truncated PDF was joined to the next one";
  auto whole = std::find_if(report.carved.begin(), report.carved.end(), [&](const CarvedFile& f) { return f.offset == at + 12800; });
  ASSERT_NE(whole, report.carved.end());
  EXPECT_EQ(whole->sha256, sha256_hex(b));
}

// A document made by make_files.py of at least `min_size` bytes (the first such one).
std::vector<std::byte> a_document(std::size_t min_size) {
  for (const auto& d : documents())
    if (d.size() >= min_size) return d;
  ADD_FAILURE() << "no document of " << min_size << " bytes made";
  return {};
}

std::string text_of(const std::vector<std::byte>& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// Issue 17: a document with a gap inside it was carved as valid when the gap moved the startxref
// value onto another object's header ("N G obj" was taken for a cross-reference stream). Here the
// gap is made exactly that long; a cross-reference stream must say /Type /XRef.
TEST(PdfWalk, AGapThatMovesStartxrefOntoAnObjectIsCorrupt) {
  const auto doc = a_document(40000);
  ASSERT_FALSE(doc.empty());
  carvers::ByteView view(doc);
  const auto x = carvers::pdf_startxref_before_eof(view, doc.size());
  ASSERT_TRUE(x);
  const auto table = carvers::pdf_xref_table(view, *x);
  ASSERT_TRUE(table && table->size() > 4);
  // The object nearest before the middle of the document: the gap makes startxref land on it.
  std::uint64_t target = 0;
  for (const auto& e : *table)
    if (e.offset < doc.size() / 2 && e.offset > target) target = e.offset;
  ASSERT_GT(target, 1024u);
  const std::uint64_t gap = *x - target, cut = 512;
  auto gapped = doc;
  const auto filler = random_bytes(gap, 3);
  gapped.insert(gapped.begin() + cut, filler.begin(), filler.end());
  carvers::ByteView broken(gapped);
  const auto c = carvers::carve(*carvers::find_carver("pdf"), broken);
  EXPECT_NE(c.verdict, carvers::Verdict::valid) << "carved " << c.length << " bytes with a " << gap << "-byte gap inside";
}

// A stream whose /Length does not reach its "endstream" (a gap inside its data, with the table
// still right) is not a valid document.
TEST(PdfWalk, AStreamWhoseLengthIsWrongIsCorrupt) {
  const auto doc = a_document(40000);
  ASSERT_FALSE(doc.empty());
  const std::string text = text_of(doc);
  int changed = 0;
  for (std::size_t at = text.find("/Length "); at != std::string::npos; at = text.find("/Length ", at + 1)) {
    std::size_t p = at + 8, digits = 0;
    while (std::isdigit(static_cast<unsigned char>(text[p + digits]))) ++digits;
    if (digits < 2 || text.compare(p + digits, 2, " 0") == 0) continue;  // short, or "N 0 R"
    auto copy = doc;
    char& last = reinterpret_cast<char&>(copy[p + digits - 1]);
    last = last == '9' ? '8' : static_cast<char>(last + 1);
    carvers::ByteView view(copy);
    const auto c = carvers::carve(*carvers::find_carver("pdf"), view);
    EXPECT_EQ(c.verdict, carvers::Verdict::corrupt) << "/Length at " << at << " changed: " << c.note;
    if (++changed == 5) break;
  }
  EXPECT_EQ(changed, 5);
}

// Issue 17: two look-alike documents (one program's outputs: the same objects at the same places,
// a few bytes apart), the first cut short, the second stored in two pieces after it. The first's
// head validated with the second's tail (its xref table found at a later %%EOF, one split point
// passing): a file that was never on the disk, carved as valid. Nothing is carved at the first
// document's offset; the second comes back byte-exact or not at all.
TEST(PdfReassembly, AHeadIsNotJoinedToTheTailOfALookAlikeInTheGap) {
  const auto a = a_document(60000);
  ASSERT_FALSE(a.empty());
  auto b = a;
  const auto producer = text_of(b).find("(trawl make_files.py)");
  ASSERT_NE(producer, std::string::npos);
  b[producer + 1] = std::byte{'T'};  // same length, same layout: a look-alike
  ASSERT_LT(producer, a.size() / 2);
  const std::uint64_t cut = (a.size() / 2) / 512 * 512;
  std::vector<std::byte> image = random_bytes(4096, 1);
  const std::uint64_t at_a = image.size();
  image.insert(image.end(), a.begin(), a.begin() + static_cast<std::ptrdiff_t>(cut));
  auto filler = random_bytes(8192, 2);
  image.insert(image.end(), filler.begin(), filler.end());
  const std::uint64_t at_b = image.size();
  image.insert(image.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(cut));
  filler = random_bytes(512, 3);
  image.insert(image.end(), filler.begin(), filler.end());
  image.insert(image.end(), b.begin() + static_cast<std::ptrdiff_t>(cut), b.end());
  image.resize((image.size() + 511) / 512 * 512);
  filler = random_bytes(4096, 4);
  image.insert(image.end(), filler.begin(), filler.end());
  TempDir dir;
  MemorySource source(image);
  auto o = options(dir / "o", true);
  o.carve.types = {"pdf"};
  const auto report = scan(source, o);
  for (const auto& f : report.carved) {
    EXPECT_NE(f.offset, at_a) << "the cut-short document was joined to its look-alike's tail: " << f.note;
    if (f.offset == at_b) EXPECT_EQ(f.sha256, sha256_hex(b));
    EXPECT_TRUE(f.sha256 == sha256_hex(b) || f.sha256 == sha256_hex(a)) << "carved at " << f.offset << " " << f.note;
  }
}

// Damaged databases and documents (bytes overwritten at random, headers and tables included, cut
// short) make the walks and the searches fail cleanly: no crash, no hang, nothing valid that is
// not an original's bytes.
TEST(PdfSqliteReassembly, DamagedInputsFailCleanly) {
  auto files = databases();
  const auto docs = documents();
  files.insert(files.end(), docs.begin(), docs.end());
  if (files.empty()) GTEST_SKIP() << "no databases or documents";
  std::mt19937_64 rng(17);
  for (std::size_t n = 0; n < files.size(); n += 2) {
    const auto& original = files[n];
    const auto& spec = *carvers::find_carver(original[0] == std::byte{'%'} ? "pdf" : "sqlite");
    for (int k = 0; k < 20; ++k) {
      auto bytes = original;
      const int edits = 1 + static_cast<int>(rng() % 16);
      for (int i = 0; i < edits; ++i) {
        // Mostly where the structure is: the header, page starts, the end (the xref table).
        const std::size_t where = rng() % 3 == 0 ? rng() % 128 : rng() % 3 == 0 ? bytes.size() - 1 - rng() % 4096 : rng() % bytes.size();
        bytes[std::min(where, bytes.size() - 1)] = std::byte(static_cast<unsigned char>(rng()));
      }
      if (k % 5 == 0) bytes.resize(bytes.size() - rng() % (bytes.size() / 2));
      const auto padding = random_bytes(1 << 16, 1000 + k);
      bytes.insert(bytes.end(), padding.begin(), padding.end());
      carvers::ByteView view(bytes);
      const auto c = carvers::carve(spec, view);
      if (c.verdict == carvers::Verdict::corrupt) {
        carvers::ReassembleOptions o;
        o.max_gap = 65536;
        o.file_budget = 4 << 20;
        const auto r = carvers::reassemble(spec, view, c, o, nullptr);
        if (r.carve) {
          EXPECT_EQ(r.carve->verdict, carvers::Verdict::valid);
          EXPECT_LE(r.runs.back().offset + r.runs.back().length, bytes.size());
        }
      }
    }
  }
}

}  // namespace
}  // namespace trawl::test
