// Known-file detection end to end: a block database of generated files, an image that holds one
// whole, one in two fragments, one with 60 % of its blocks overwritten and some that prove nothing;
// the scan must report each with the exact fraction and offsets, at the default geometry and at
// the smallest legal one. Hash sets imported from an RDSv3-shaped SQLite file, an RDS 2.x text,
// a hashdeep list and *sum lists must match carved files.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "host/known/block_db.hpp"
#include "host/known/hash_set.hpp"
#include "host/util/text.hpp"
#include "support/memory_source.hpp"
#include "support/test_support.hpp"
#include "trawl/trawl.hpp"

namespace trawl {
namespace {

using test::TempDir;
namespace fs = std::filesystem;

constexpr std::uint32_t kBlock = 4096;

std::string hex_digest(const EVP_MD* md, std::span<const std::byte> bytes, bool upper = false) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &size, md, nullptr);
  std::string hex = detail::to_hex(std::span<const unsigned char>(out, size));
  if (upper) std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  return hex;
}

// Text-like content: words from a small vocabulary, so that blocks are probative (about 4 bits
// per byte) but not random.
std::vector<std::byte> text_bytes(std::size_t size, std::uint64_t seed) {
  static const char* words[] = {"evidence ", "sector ", "cluster ", "known ", "file ", "block ", "hash ", "image ",
                                "deleted ", "carved ", "offset ", "NSRL ", "case-", "2026 ", "\n", "trawl "};
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < size) s += words[rng() % std::size(words)] + std::to_string(rng() % 1000) + " ";
  std::vector<std::byte> out(size);
  std::memcpy(out.data(), s.data(), size);
  return out;
}

void put_at(std::vector<std::byte>& image, std::uint64_t at, std::span<const std::byte> bytes) {
  std::memcpy(image.data() + at, bytes.data(), bytes.size());
}

struct Expected {
  std::string name;
  std::uint64_t probative, found;
  std::vector<std::uint64_t> offsets;  // run starts
};

// The generated case: known files on disk (for the database) and the image.
struct KnownCase {
  TempDir dir;
  fs::path db;
  std::vector<std::byte> image;
  std::vector<Expected> expected;  // by name, as the report lists them

  KnownCase() {
    const fs::path known = dir / "known";
    fs::create_directories(known);
    // whole.bin: 40 random blocks and a short tail, at a sector (not block) boundary.
    const auto whole = test::random_bytes(40 * kBlock + 1000, 1);
    // fragmented.txt: 30 blocks of text, split after block 11.
    const auto fragmented = text_bytes(30 * kBlock, 2);
    // overwritten.bin: 50 random blocks, 30 of them (60 %) overwritten in the image.
    const auto overwritten = test::random_bytes(50 * kBlock, 3);
    // zeros-and-patterns.bin: nothing in it proves anything.
    std::vector<std::byte> patterns(6 * kBlock, std::byte{0});
    std::fill(patterns.begin() + 2 * kBlock, patterns.begin() + 3 * kBlock, std::byte{0x41});
    for (std::size_t i = 3 * kBlock; i < 6 * kBlock; ++i) patterns[i] = static_cast<std::byte>("ABCD"[i % 4]);
    // common-{1,2,3}.bin: the same random block in three files, more than --max-files 2.
    const auto common = test::random_bytes(kBlock, 4);
    // lone.bin: known, but not in the image.
    const auto lone = test::random_bytes(8 * kBlock, 5);
    // mixed.bin: probative blocks around a zero block; the run goes through it.
    auto mixed = test::random_bytes(5 * kBlock, 6);
    std::fill(mixed.begin() + 2 * kBlock, mixed.begin() + 3 * kBlock, std::byte{0});
    test::write_file(known / "whole.bin", whole);
    test::write_file(known / "fragmented.txt", fragmented);
    test::write_file(known / "overwritten.bin", overwritten);
    test::write_file(known / "zeros-and-patterns.bin", patterns);
    for (int i = 1; i <= 3; ++i) test::write_file(known / ("common-" + std::to_string(i) + ".bin"), common);
    test::write_file(known / "lone.bin", lone);
    test::write_file(known / "mixed.bin", mixed);
    test::write_file(known / "small.bin", test::random_bytes(1000, 7));  // shorter than a block: not in the database
    // repeated.bin: 10 random blocks, block 7 a copy of block 3 (probative: one file holds it).
    // Only its blocks 0..4 are in the image: block 3's bytes must not count block 7 as found.
    auto repeated = test::random_bytes(10 * kBlock, 8);
    std::memcpy(repeated.data() + 7 * kBlock, repeated.data() + 3 * kBlock, kBlock);
    test::write_file(known / "repeated.bin", repeated);
    db = dir / "known.tdb";
    detail::BlockDbBuildOptions options;
    options.max_files = 2;
    const auto report = detail::build_block_db({known}, db, options);
    EXPECT_EQ(report.files, 10u);
    EXPECT_EQ(report.skipped_small, 1u);
    EXPECT_EQ(report.common, 1u);

    // The image: random background (so that nothing matches by chance); each file at a sector offset.
    image = test::random_bytes(2 << 20, 99);
    const std::uint64_t at_whole = 3 * 512;  // not block-aligned
    put_at(image, at_whole, whole);
    const std::uint64_t frag1 = 200 * 1024 + 512, frag2 = 600 * 1024 + 1536;
    put_at(image, frag1, std::span(fragmented).first(12 * kBlock));
    put_at(image, frag2, std::span(fragmented).subspan(12 * kBlock));
    const std::uint64_t at_over = 1024 * 1024 + 2560;
    put_at(image, at_over, overwritten);
    std::vector<int> blocks(50);
    for (int i = 0; i < 50; ++i) blocks[i] = i;
    std::shuffle(blocks.begin(), blocks.end(), std::mt19937_64(11));
    std::vector<bool> gone(50, false);
    for (int k = 0; k < 30; ++k) {
      gone[blocks[k]] = true;
      put_at(image, at_over + std::uint64_t(blocks[k]) * kBlock, test::random_bytes(kBlock, 1000 + k));
    }
    const std::uint64_t at_patterns = 1500 * 1024;
    put_at(image, at_patterns, patterns);
    put_at(image, 1600 * 1024 + 512, common);
    const std::uint64_t at_mixed = 1700 * 1024 + 1024;
    put_at(image, at_mixed, mixed);
    // A lone zero block and a lone pattern block elsewhere: non-probative, never reported alone.
    put_at(image, 1800 * 1024, std::span(patterns).first(kBlock));
    put_at(image, 1900 * 1024 + 512, std::span(patterns).subspan(4 * kBlock, kBlock));

    const std::uint64_t at_repeated = 1950 * 1024 + 512;
    put_at(image, at_repeated, std::span(repeated).first(5 * kBlock));

    const auto name = [&](const char* n) { return (known / n).string(); };
    expected.push_back({name("fragmented.txt"), 30, 30, {frag1, frag2}});
    expected.push_back({name("mixed.bin"), 4, 4, {at_mixed}});
    Expected over{name("overwritten.bin"), 50, 20, {}};
    for (int b = 0; b < 50; ++b)
      if (!gone[b] && (b == 0 || gone[b - 1])) over.offsets.push_back(at_over + std::uint64_t(b) * kBlock);
    expected.push_back(over);
    expected.push_back({name("repeated.bin"), 10, 5, {at_repeated}});
    expected.push_back({name("whole.bin"), 40, 40, {at_whole}});
  }
};

ScanOptions known_options(const fs::path& db, std::uint32_t step) {
  ScanOptions o;
  o.image_hashes.clear();
  o.block_hashes.clear();
  o.identifiers.enabled = false;
  o.known.block_db = db.string();
  o.known.block_step = step;
  o.backend = BackendKind::cpu;
  return o;
}

void expect_reports(const KnownSummary& known, const std::vector<Expected>& expected, const std::string& what) {
  ASSERT_EQ(known.files.size(), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& f = known.files[i];
    const auto& e = expected[i];
    EXPECT_EQ(f.file, e.name) << what;
    EXPECT_EQ(f.blocks_probative, e.probative) << what << " " << e.name;
    EXPECT_EQ(f.blocks_found, e.found) << what << " " << e.name;
    EXPECT_DOUBLE_EQ(f.fraction, double(e.found) / double(e.probative)) << what << " " << e.name;
    EXPECT_EQ(f.runs, e.offsets.size()) << what << " " << e.name;
    EXPECT_EQ(f.offsets, e.offsets) << what << " " << e.name;
  }
}

TEST(KnownBlocks, ReportsWholeFragmentedAndOverwrittenFilesWithExactFractionsAndOffsets) {
  KnownCase c;
  test::MemorySource source(c.image);
  const auto report = scan(source, known_options(c.db, 512));
  ASSERT_TRUE(report.known.enabled);
  EXPECT_EQ(report.known.candidates, c.image.size() / 512);
  expect_reports(report.known, c.expected, "step 512");
  // The overwritten file: exactly 40 % of it, i.e. 20 of 50 blocks.
  EXPECT_DOUBLE_EQ(report.known.files[2].fraction, 0.4);
  EXPECT_DOUBLE_EQ(report.known.files[4].fraction, 1.0);
  // whole.bin's only run covers blocks 0..39 at its offset.
  for (const auto& run : report.known.runs)
    if (report.known.files[run.file].file.ends_with("whole.bin")) {
      EXPECT_EQ(run.offset, 3u * 512);
      EXPECT_EQ(run.first_block, 0u);
      EXPECT_EQ(run.last_block, 39u);
      EXPECT_EQ(run.blocks, 40u);
    }
  // mixed.bin: one run of blocks 0..4 through its zero block, which is not counted.
  for (const auto& run : report.known.runs)
    if (report.known.files[run.file].file.ends_with("mixed.bin")) {
      EXPECT_EQ(run.first_block, 0u);
      EXPECT_EQ(run.last_block, 4u);
      EXPECT_EQ(run.blocks, 4u);
    }
}

// zeros-and-patterns.bin and the common block are in the image, whole, yet never reported: a run
// of non-probative blocks proves nothing.
TEST(KnownBlocks, NonProbativeBlocksNeverProduceAHitAlone) {
  KnownCase c;
  test::MemorySource source(c.image);
  const auto report = scan(source, known_options(c.db, 512));
  for (const auto& f : report.known.files) {
    EXPECT_FALSE(f.file.ends_with("zeros-and-patterns.bin"));
    EXPECT_FALSE(f.file.find("common-") != std::string::npos) << f.file;
    EXPECT_FALSE(f.file.ends_with("lone.bin"));
  }
  detail::BlockDb db(c.db);
  for (const auto& f : db.files()) {
    const auto name = db.file_name(f);
    if (name.ends_with("zeros-and-patterns.bin") || name.find("common-") != std::string_view::npos) EXPECT_EQ(f.probative, 0u) << name;
  }
  // An image of nothing but zeros and the patterns: no hit at all.
  std::vector<std::byte> dull(1 << 20, std::byte{0});
  for (std::size_t i = 0; i < 64 * 1024; ++i) dull[300 * 1024 + i] = static_cast<std::byte>("ABCD"[i % 4]);
  test::MemorySource dull_source(dull);
  const auto none = scan(dull_source, known_options(c.db, 512));
  EXPECT_EQ(none.known.block_hits, 0u);
  EXPECT_TRUE(none.known.files.empty());
  EXPECT_TRUE(none.known.runs.empty());
}

// Step 4096 only sees block-aligned copies: whole.bin (at 1536) and the fragments are missed.
TEST(KnownBlocks, BlockStepOfTheBlockSizeFindsOnlyAlignedCopies) {
  KnownCase c;
  test::MemorySource source(c.image);
  const auto report = scan(source, known_options(c.db, 0));
  EXPECT_EQ(report.known.step, kBlock);
  EXPECT_EQ(report.known.candidates, c.image.size() / kBlock);
  for (const auto& f : report.known.files) EXPECT_FALSE(f.file.ends_with("whole.bin"));
}

// The same reports at the default geometry and at the smallest legal one (a page of one block, a
// margin of one block), with several threads.
TEST(KnownBlocks, ReportsDoNotDependOnPageMarginOrThreads) {
  KnownCase c;
  test::MemorySource source(c.image);
  struct Geometry {
    std::size_t page, margin;
    unsigned threads;
  };
  for (const Geometry g : {Geometry{16u << 20, 1u << 20, 0}, Geometry{kBlock, kBlock, 3}, Geometry{8192, kBlock, 2},
                           Geometry{64 << 10, 4 << 10, 1}}) {
    auto o = known_options(c.db, 512);
    o.page_size = g.page;
    o.margin = g.margin;
    o.threads = g.threads;
    const auto report = scan(source, o);
    expect_reports(report.known, c.expected, "page " + std::to_string(g.page) + " margin " + std::to_string(g.margin));
    EXPECT_EQ(report.known.candidates, c.image.size() / 512);
  }
}

TEST(KnownBlocks, OutputsFilesRunsAndSummary) {
  KnownCase c;
  test::MemorySource source(c.image);
  auto o = known_options(c.db, 512);
  o.output = c.dir / "out";
  const auto report = scan(source, o);
  std::vector<nlohmann::json> files;
  std::istringstream lines(test::read_text(o.output / "known" / "files.jsonl"));
  for (std::string line; std::getline(lines, line);) files.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files[2]["record"], "known_file");
  EXPECT_EQ(files[2]["blocks_found"], 20);
  EXPECT_EQ(files[2]["blocks_total"], 50);
  EXPECT_DOUBLE_EQ(files[2]["fraction"].get<double>(), 0.4);
  EXPECT_EQ(files[4]["offsets"], nlohmann::json::array({1536}));
  const auto runs = test::read_text(o.output / "known" / "runs.jsonl");
  EXPECT_EQ(std::count(runs.begin(), runs.end(), '\n'), static_cast<long>(report.known.runs.size()));
  const auto summary = nlohmann::json::parse(test::read_text(o.output / "summary.json"));
  EXPECT_EQ(summary["known"]["files"], 5);
  EXPECT_EQ(summary["known"]["block_step"], 512);
  EXPECT_EQ(summary["known"]["runs"], report.known.runs.size());
}

void expect_input_error(const std::function<void()>& f, const std::string& contains) {
  try {
    f();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input) << e.what();
    EXPECT_NE(std::string(e.what()).find(contains), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

TEST(KnownBlocks, ACorruptOrTruncatedDatabaseIsAnInputError) {
  KnownCase c;
  const auto bytes = test::read_text(c.db);
  const auto write = [&](const std::string& name, std::string contents) {
    const auto p = c.dir / name;
    std::ofstream(p, std::ios::binary) << contents;
    return p;
  };
  expect_input_error([&] { detail::BlockDb db(write("short.tdb", bytes.substr(0, bytes.size() - 8))); }, "truncated");
  expect_input_error([&] { detail::BlockDb db(write("tiny.tdb", bytes.substr(0, 20))); }, "too short");
  expect_input_error([&] { detail::BlockDb db(write("empty.tdb", "")); }, "too short");
  std::string wrong = bytes;
  wrong[0] = 'X';
  expect_input_error([&] { detail::BlockDb db(write("magic.tdb", wrong)); }, "magic");
  // A posting that points past the file table.
  std::string bad = bytes;
  const auto& h = *reinterpret_cast<const detail::BlockDbHeader*>(bytes.data());
  const std::size_t postings = sizeof(detail::BlockDbHeader) + detail::align8(h.digest_count * h.digest_size) + detail::align8(h.digest_count) +
                               detail::align8((h.digest_count + 1) * 8);
  bad[postings] = '\xff';
  bad[postings + 1] = '\xff';
  expect_input_error([&] { detail::BlockDb db(write("posting.tdb", bad)); }, "bad posting");
  // Unsorted digests.
  std::string unsorted = bytes;
  std::swap_ranges(unsorted.begin() + sizeof(detail::BlockDbHeader), unsorted.begin() + sizeof(detail::BlockDbHeader) + h.digest_size,
                   unsorted.begin() + sizeof(detail::BlockDbHeader) + h.digest_size);
  expect_input_error([&] { detail::BlockDb db(write("unsorted.tdb", unsorted)); }, "not sorted");
  expect_input_error([&] { detail::BlockDb db(c.dir / "missing.tdb"); }, "cannot open");
  // Through scan: the same error, before any output is written.
  test::MemorySource source(c.image);
  auto o = known_options(write("bad.tdb", bytes.substr(0, 100)), 512);
  o.output = c.dir / "never";
  expect_input_error([&] { scan(source, o); }, "bad.tdb");
  EXPECT_FALSE(fs::exists(c.dir / "never"));
}

TEST(KnownBlocks, BadStepOrMarginIsAUsageError) {
  KnownCase c;
  test::MemorySource source(c.image);
  for (auto change : std::vector<std::function<void(ScanOptions&)>>{
           [](ScanOptions& o) { o.known.block_step = 768; },
           [](ScanOptions& o) { o.known.block_step = 8192; },
           [](ScanOptions& o) { o.margin = 2048; },
           [](ScanOptions& o) { o.known.block_db.clear(); },  // a step without a database
           [](ScanOptions& o) { o.known.skip_known_good = true; }}) {
    auto o = known_options(c.db, 512);
    change(o);
    try {
      scan(source, o);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::options) << e.what();
    }
  }
}

// ---- whole-file hash sets ----

// A gzip file (what the gzip carver validates to its end) of `size` text bytes.
std::vector<std::byte> make_gzip(std::size_t size, std::uint64_t seed) {
  const auto text = text_bytes(size, seed);
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<std::byte> out(deflateBound(&z, text.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// An NSRL RDSv3-shaped database: the FILE table of the RDS_*_minimal.db files (upper-case hex).
void make_rds3(const fs::path& path, const std::vector<std::pair<std::string, std::vector<std::byte>>>& files) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, "
                         "crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id INTEGER NOT NULL);"
                         "CREATE TABLE PKG (package_id INTEGER, name VARCHAR);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO FILE VALUES (?, ?, ?, '00000000', ?, ?, 1)", -1, &s, nullptr), SQLITE_OK);
  for (const auto& [name, bytes] : files) {
    const auto sha256 = hex_digest(EVP_sha256(), bytes, true), sha1 = hex_digest(EVP_sha1(), bytes, true),
               md5 = hex_digest(EVP_md5(), bytes, true);
    sqlite3_bind_text(s, 1, sha256.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, sha1.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, md5.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(bytes.size()));
    ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
}

std::vector<unsigned char> unhex(const std::string& hex) {
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(HashSets, ImportsEveryFormatAndFindsItsEntries) {
  TempDir dir;
  const auto a = test::random_bytes(5000, 1), b = test::random_bytes(7000, 2), c = test::random_bytes(9000, 3);
  make_rds3(dir / "rds.db", {{"a.dll", a}, {"b.exe", b}});
  {
    std::ofstream rds2(dir / "NSRLFile.txt");
    rds2 << "\"SHA-1\",\"MD5\",\"CRC32\",\"FileName\",\"FileSize\",\"ProductCode\",\"OpSystemCode\",\"SpecialCode\"\r\n";
    rds2 << "\"" << hex_digest(EVP_sha1(), c, true) << "\",\"" << hex_digest(EVP_md5(), c, true)
         << "\",\"00000000\",\"c, \"\"quoted\"\".sys\",9000,123,\"WIN\",\"\"\r\n";
  }
  {
    std::ofstream hd(dir / "bad.hashdeep");
    hd << "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## Invoked from: /tmp\n## $ hashdeep -r x\n##\n";
    hd << b.size() << "," << hex_digest(EVP_md5(), b) << "," << hex_digest(EVP_sha256(), b) << ",/x/evil, with comma.exe\n";
  }
  {
    std::ofstream sums(dir / "custom.sha256");
    sums << hex_digest(EVP_sha256(), a) << "  a-plain.bin\n";
    sums << hex_digest(EVP_sha256(), c) << " *c-binary.bin\n";
    std::ofstream tags(dir / "tags.txt");
    tags << "MD5 (c (tagged).bin) = " << hex_digest(EVP_md5(), c) << "\n";
    tags << "SHA1 (a.bin) = " << hex_digest(EVP_sha1(), a) << "\n";
  }
  using detail::HashSetLabel;
  const auto report = detail::import_hash_sets({{dir / "rds.db", "auto", "nsrl", HashSetLabel::known_good},
                                                {dir / "NSRLFile.txt", "auto", "nsrl2", HashSetLabel::known_good},
                                                {dir / "bad.hashdeep", "auto", "", HashSetLabel::known_bad},
                                                {dir / "custom.sha256", "auto", "mine", HashSetLabel::custom},
                                                {dir / "tags.txt", "auto", "mine", HashSetLabel::custom}},
                                               dir / "all.ths");
  EXPECT_EQ(report.formats, (std::vector<std::string>{"rds3", "rds2", "hashdeep", "sum", "sum"}));
  EXPECT_EQ(report.rows, 2u + 1u + 1u + 2u + 2u);
  EXPECT_EQ(report.sha256, 2u + 1u + 2u);
  EXPECT_EQ(report.md5, 2u + 1u + 1u + 1u);
  EXPECT_EQ(report.sha1, 2u + 1u + 1u);

  detail::HashSet set(dir / "all.ths");
  auto hits = set.find(unhex(hex_digest(EVP_sha256(), b)));
  ASSERT_EQ(hits.size(), 2u);  // nsrl (RDSv3) and bad (hashdeep)
  EXPECT_EQ(hits[0].set, "nsrl");
  EXPECT_EQ(hits[0].name, "b.exe");
  EXPECT_EQ(hits[0].label, HashSetLabel::known_good);
  EXPECT_EQ(hits[1].set, "bad");
  EXPECT_EQ(hits[1].name, "/x/evil, with comma.exe");
  EXPECT_EQ(hits[1].label, HashSetLabel::known_bad);
  hits = set.find(unhex(hex_digest(EVP_sha1(), c)));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].name, "c, \"quoted\".sys");
  hits = set.find(unhex(hex_digest(EVP_md5(), c)));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[1].name, "c (tagged).bin");
  EXPECT_TRUE(set.find(unhex(hex_digest(EVP_sha256(), test::random_bytes(100, 9)))).empty());

  // The collection prefers known-bad.
  detail::HashSetCollection sets({(dir / "all.ths").string()});
  const auto m = sets.match(hex_digest(EVP_md5(), b), hex_digest(EVP_sha256(), b));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->label, HashSetLabel::known_bad);
  EXPECT_FALSE(sets.match(hex_digest(EVP_md5(), test::random_bytes(10, 1)), ""));
}

TEST(HashSets, BadInputsAreOneLineErrors) {
  TempDir dir;
  test::write_file(dir / "empty.txt", std::vector<std::byte>{});
  expect_input_error([&] { detail::import_hash_sets({{dir / "empty.txt"}}, dir / "x.ths"); }, "holds no");
  expect_input_error([&] { detail::import_hash_sets({{dir / "missing.txt"}}, dir / "x.ths"); }, "cannot open");
  {
    sqlite3* db = nullptr;
    sqlite3_open((dir / "other.db").c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE T (x INTEGER);", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  expect_input_error([&] { detail::import_hash_sets({{dir / "other.db"}}, dir / "x.ths"); }, "no FILE table");
  std::ofstream(dir / "ok.md5") << hex_digest(EVP_md5(), test::random_bytes(10, 1)) << "  x\n";
  detail::import_hash_sets({{dir / "ok.md5"}}, dir / "ok.ths");
  const auto bytes = test::read_text(dir / "ok.ths");
  std::ofstream(dir / "cut.ths", std::ios::binary) << bytes.substr(0, bytes.size() - 8);
  expect_input_error([&] { detail::HashSet s(dir / "cut.ths"); }, "truncated");
  std::ofstream(dir / "junk.ths", std::ios::binary) << std::string(200, 'x');
  expect_input_error([&] { detail::HashSet s(dir / "junk.ths"); }, "magic");
}

// Carved files are matched against the sets: a known-bad file raises an alert, a known-good one is
// marked and, with skip_known_good, not kept.
TEST(HashSets, CarvedFilesAreMarkedAlertedAndSkipped) {
  TempDir dir;
  const auto pe = make_gzip(20000, 1);
  const auto other = make_gzip(30000, 2);
  std::vector<std::byte> image(1 << 20, std::byte{0});
  put_at(image, 64 * 1024, pe);
  put_at(image, 512 * 1024, other);
  make_rds3(dir / "nsrl.db", {{"good.exe", pe}});
  {
    std::ofstream hd(dir / "bad.txt");
    hd << "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n";
    hd << other.size() << "," << hex_digest(EVP_md5(), other) << "," << hex_digest(EVP_sha256(), other) << ",dropper.exe\n";
  }
  detail::import_hash_sets({{dir / "nsrl.db", "auto", "NSRL", detail::HashSetLabel::known_good}}, dir / "good.ths");
  detail::import_hash_sets({{dir / "bad.txt", "hashdeep", "malware", detail::HashSetLabel::known_bad}}, dir / "bad.ths");

  test::MemorySource source(image);
  for (bool skip : {false, true}) {
    ScanOptions o;
    o.image_hashes.clear();
    o.block_hashes.clear();
    o.identifiers.enabled = false;
    o.carve.types = {"gzip"};
    o.known.hash_sets = {(dir / "good.ths").string(), (dir / "bad.ths").string()};
    o.known.skip_known_good = skip;
    o.output = dir / (skip ? "skip" : "keep");
    struct Records : Observer {
      std::vector<nlohmann::json> all;
      void on_record(std::string_view line) override { all.push_back(nlohmann::json::parse(line)); }
    } records;
    const auto report = scan(source, o, &records);
    ASSERT_EQ(report.carved.size(), 2u);
    const auto& good = report.carved[0];
    const auto& bad = report.carved[1];
    ASSERT_TRUE(good.known);
    EXPECT_EQ(good.known->label, "known-good");
    EXPECT_EQ(good.known->set, "NSRL");
    EXPECT_EQ(good.known->name, "good.exe");
    ASSERT_TRUE(bad.known);
    EXPECT_EQ(bad.known->label, "known-bad");
    EXPECT_EQ(bad.known->name, "dropper.exe");
    EXPECT_EQ(report.known.carved_known_good, 1u);
    EXPECT_EQ(report.known.carved_known_bad, 1u);
    EXPECT_EQ(good.file.empty(), skip);
    EXPECT_EQ(fs::exists(o.output / "carved" / "gzip" / "65536.gz"), !skip);
    EXPECT_TRUE(fs::exists(o.output / bad.file));
    const auto alerts = test::read_text(o.output / "known" / "alerts.jsonl");
    ASSERT_EQ(std::count(alerts.begin(), alerts.end(), '\n'), 1);
    const auto alert = nlohmann::json::parse(alerts);
    EXPECT_EQ(alert["record"], "alert");
    EXPECT_EQ(alert["offset"], 512 * 1024);
    EXPECT_EQ(alert["set"], "malware");
    EXPECT_EQ(std::count_if(records.all.begin(), records.all.end(), [](const auto& r) { return r["record"] == "alert"; }), 1);
    const auto carved = test::read_text(o.output / "carved" / "files.jsonl");
    EXPECT_NE(carved.find("\"known\":{\"label\":\"known-good\""), std::string::npos) << carved;
    const auto summary = nlohmann::json::parse(test::read_text(o.output / "summary.json"));
    EXPECT_EQ(summary["known"]["carved"]["known_bad"], 1);
    EXPECT_EQ(summary["known"]["carved"]["not_kept"], skip ? 1 : 0);
  }
}

}  // namespace
}  // namespace trawl
