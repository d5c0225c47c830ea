// Bifragment gap carving: PNG, ZIP (JAR, DOCX, ODT), GZIP and JPEG files the test makes with the
// system's tools (make_files.py; JPEGs by netpbm, some with restart markers), split in two
// at sector or cluster boundaries with gaps of one sector to 1 MiB filled with random bytes, zeros or pieces of other files of the same type, scanned through trawl::scan.
// At least half of the split PNG, ZIP, GZIP and sequential JPEG files must come back byte-exact
// (JPEGs with gaps of random bytes, zeros and other JPEGs' scan data made with the same standard
// tables), no reassembly that differs from its original may be reported, and the contiguous files
// must all still be carved.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "carvers/carver.hpp"
#include "carvers/reassemble.hpp"
#include "host/util/text.hpp"
#include "samples.hpp"
#include "support/digest.hpp"
#include "support/expect_usage.hpp"
#include "support/memory_source.hpp"

namespace trawl::test {
namespace {

// The JPEG's frame type: 0xC0 baseline, 0xC1 extended, 0xC2 progressive ...; 0 when none is found.
unsigned jpeg_frame(const std::vector<std::byte>& b) {
  for (std::size_t p = 2; p + 4 <= b.size() && b[p] == std::byte{0xFF};) {
    const unsigned m = std::to_integer<unsigned>(b[p + 1]);
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) return m;
    p += 2 + (std::to_integer<std::size_t>(b[p + 2]) << 8 | std::to_integer<std::size_t>(b[p + 3]));
  }
  return 0;
}

// Files per carver type, made by the test (tests/carvers/make_files.py: netpbm's pictures as
// PNGs, python's zipfile and zlib for JAR/DOCX/ODT archives and gzip members; JPEGs by
// pnmtojpeg from the same kind of pictures, every other one with a restart marker every 4 MCU
// rows): the same files on every machine. Kept when valid to the carver, 4 KiB .. 2 MiB, 12 at most.
std::map<std::string, std::vector<std::vector<std::byte>>> real_files() {
  static TempDir made;
  std::map<std::string, std::vector<fs::path>> paths;
  for (const auto& [kind, type] : std::map<std::string, std::string>{{"png", "png"}, {"zip", "zip"}, {"gzip", "gzip"}, {"ppm", "jpeg"}}) {
    const auto r = run("python3 " + shell_quote(TRAWL_CARVER_TEST_DIR "/make_files.py") + " " + shell_quote(made.path().string()) + " " +
                       kind + " 16 7");
    EXPECT_EQ(r.exit_code, 0) << "make_files.py " << kind << ": " << r.err;
    for (int i = 0; i < 16; ++i) {
      const auto path = made.path() / (kind + "-" + std::to_string(i) + "." + (kind == "gzip" ? "gz" : kind));
      if (kind != "ppm") {
        paths[type].push_back(path);
        continue;
      }
      const auto jpg = made.path() / ("conv" + std::to_string(i) + ".jpg");
      const std::string restart = i % 2 ? " -restart=4" : "";
      EXPECT_EQ(run("pnmtojpeg -quality=" + std::to_string(70 + i) + restart + " " + shell_quote(path.string()) + " > " +
                    shell_quote(jpg.string()) + " 2>/dev/null")
                    .exit_code,
                0)
          << "pnmtojpeg (netpbm, scripts/setup.sh)";
      paths[type].push_back(jpg);
    }
  }
  std::map<std::string, std::vector<std::vector<std::byte>>> out;
  std::set<std::string> seen;
  for (auto& [type, list] : paths) {
    for (std::size_t i = 0; i < list.size() && out[type].size() < 12; ++i) {
      auto bytes = read_bytes(list[i]);
      if (bytes.size() < 4096 || bytes.size() > (2u << 20) || !seen.insert(sha256_hex(bytes)).second) continue;
      // Progressive JPEGs are not decoded, so not reassembled (docs/carving.md): sequential ones only.
      if (type == "jpeg" && jpeg_frame(bytes) != 0xC0 && jpeg_frame(bytes) != 0xC1) continue;
      carvers::ByteView view(bytes);
      const auto c = carvers::carve(*carvers::find_carver(type), view);
      EXPECT_EQ(c.verdict, carvers::Verdict::valid) << type << " " << list[i] << ": " << c.note;
      if (c.verdict == carvers::Verdict::valid && c.length == bytes.size()) out[type].push_back(std::move(bytes));
    }
  }
  return out;
}

struct Split {
  std::string type, sha256;
  std::uint64_t offset = 0;  // of the first piece
  std::uint64_t cut = 0, gap = 0;
  int fill = 0;  // what the gap holds: 0 random bytes, 1 zeros, 2 a piece of another file of the type
};

struct Image {
  std::vector<std::byte> bytes;
  std::vector<Split> split, whole;  // whole: contiguous files (gap 0)
  std::set<std::string> originals;
  std::vector<std::vector<std::byte>> files;  // every original once
};

// Every file twice: once whole, once split. Cuts at sector (odd files) or cluster (even) boundaries;
// gaps cycle through 1 sector .. 1 MiB and three kinds of filling.
const Image& image() {
  static const Image img = [] {
    Image out;
    std::mt19937_64 rng(7);
    auto pad = [&](std::size_t sectors, std::uint64_t seed) {
      auto filler = random_bytes(sectors * 512, seed);
      out.bytes.insert(out.bytes.end(), filler.begin(), filler.end());
    };
    pad(2, 1);
    const std::uint64_t gaps[] = {512, 1024, 4096, 8192, 65536, 300 * 512, 1 << 20, 2048};
    const auto files = real_files();
    std::uint64_t n = 0;
    for (const auto& [type, list] : files)
      for (std::size_t i = 0; i < list.size(); ++i, ++n) {
        const auto& bytes = list[i];
        const std::string digest = sha256_hex(bytes);
        out.originals.insert(digest);
        out.files.push_back(bytes);
        out.whole.push_back({type, digest, out.bytes.size(), bytes.size(), 0});
        out.bytes.insert(out.bytes.end(), bytes.begin(), bytes.end());
        pad((512 - out.bytes.size() % 512) % 512 ? 1 : 0, 100 + n);
        out.bytes.resize((out.bytes.size() + 511) / 512 * 512);
        pad(1 + n % 3, 200 + n);
        // The split copy: the first piece ends at a sector (or cluster) boundary inside the file.
        const std::uint64_t unit = n % 2 ? 512 : 4096;
        if (bytes.size() < 2 * unit) continue;
        const std::uint64_t cut = (1 + rng() % (bytes.size() / unit - 1)) * unit;
        if (out.bytes.size() % 4096) pad((4096 - out.bytes.size() % 4096) / 512, 300 + n);
        const std::uint64_t gap = gaps[n % 8];
        out.split.push_back({type, digest, out.bytes.size(), cut, gap, static_cast<int>(n % 3)});
        out.bytes.insert(out.bytes.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
        switch (n % 3) {
          case 0: pad(gap / 512, 400 + n); break;
          case 1: out.bytes.resize(out.bytes.size() + gap); break;
          default: {  // a piece of another file of the same type, cycled to the gap's length
            const auto& other = list[(i + 1) % list.size()];
            for (std::uint64_t k = 0; k < gap; ++k) out.bytes.push_back(other[(other.size() / 3 + k) % other.size()]);
          }
        }
        out.bytes.insert(out.bytes.end(), bytes.begin() + static_cast<std::ptrdiff_t>(cut), bytes.end());
        out.bytes.resize((out.bytes.size() + 511) / 512 * 512);
        pad(1, 500 + n);
      }
    return out;
  }();
  return img;
}

ScanOptions options(const fs::path& out, bool reassemble) {
  ScanOptions o;
  o.image_hashes = {};
  o.block_hashes = {};
  o.output = out;
  o.backend = BackendKind::cpu;
  o.carve.types = {"png", "zip", "gzip", "jpeg"};
  o.carve.reassemble = reassemble;
  o.identifiers.enabled = false;
  return o;
}

TEST(ByteView, RunsReadAsTheirConcatenation) {
  const auto bytes = random_bytes(1 << 20, 3);
  const std::vector<ByteRange> runs{{1000, 300000}, {600000, 5}, {700000, 0}, {10, 200000}};
  std::vector<std::byte> expected;
  for (const auto& r : runs) expected.insert(expected.end(), bytes.begin() + r.offset, bytes.begin() + r.offset + r.length);
  MemorySource source(bytes);
  carvers::ByteView memory(bytes, runs);
  carvers::ByteView whole(source, 0, bytes.size(), {}, 0, false);
  const auto on_source = whole.with_runs(runs, UINT64_MAX);
  for (const carvers::ByteView* v : std::initializer_list<const carvers::ByteView*>{&memory, &on_source}) {
    ASSERT_EQ(v->size(), expected.size());
    std::vector<std::byte> got(expected.size());
    v->read(0, got);
    EXPECT_EQ(got, expected);
    EXPECT_EQ(v->u32be(299998), (std::to_integer<std::uint32_t>(expected[299998]) << 24) |
                                    (std::to_integer<std::uint32_t>(expected[299999]) << 16) |
                                    (std::to_integer<std::uint32_t>(expected[300000]) << 8) |
                                    std::to_integer<std::uint32_t>(expected[300001]));
    EXPECT_EQ(carvers::crc32_of(*v, 0, expected.size()), crc_of(expected, 0, expected.size()));
    EXPECT_THROW(v->u8(expected.size()), carvers::EndOfView);
  }
}

TEST(Reassembly, SplitFilesComeBackByteExactAndNothingWrongIsValid) {
  const auto& img = image();
  std::map<std::string, int> split_per_type;
  for (const auto& s : img.split) ++split_per_type[s.type];
  for (const char* type : {"png", "zip", "gzip", "jpeg"})
    ASSERT_GE(split_per_type[type], 4) << "fewer than 4 " << type << " files made (make_files.py)";
  TempDir dir;
  MemorySource source(img.bytes);
  const auto report = scan(source, options(dir / "o", true));
  std::map<std::string, int> recovered;
  std::map<std::pair<std::string, int>, std::pair<int, int>> by_fill;  // (type, fill): recovered, split
  for (const auto& s : img.split) {
    ++by_fill[{s.type, s.fill}].second;
    auto it = std::find_if(report.carved.begin(), report.carved.end(), [&](const CarvedFile& f) { return f.offset == s.offset; });
    if (it == report.carved.end()) continue;
    // Whatever is carved at a split file's offset is that file, byte for byte, or a wrong reassembly.
    EXPECT_EQ(it->sha256, s.sha256) << s.type << " at " << s.offset << " (cut " << s.cut << ", gap " << s.gap << ") " << it->note;
    if (it->sha256 != s.sha256) continue;
    ++recovered[s.type];
    ++by_fill[{s.type, s.fill}].first;
    EXPECT_TRUE(it->reassembled);
    ASSERT_EQ(it->runs.size(), 2u);
    EXPECT_EQ(it->runs[0], (ByteRange{s.offset, s.cut}));
    EXPECT_EQ(it->runs[1].offset, s.offset + s.cut + s.gap);
    EXPECT_EQ(it->runs[0].length + it->runs[1].length, it->length);
    EXPECT_EQ(sha256_hex(read_bytes(dir / "o" / it->file)), s.sha256);
  }
  for (const auto& [key, counts] : by_fill)
    std::printf("reassembly: %s, gap of %s: %d of %d\n", key.first.c_str(),
                key.second == 0 ? "random bytes" : key.second == 1 ? "zeros" : "another file of the type", counts.first, counts.second);
  // JPEGs come back from each kind of gap, another JPEG's scan data with the same tables included.
  for (int fill = 0; fill < 3; ++fill) {
    const auto [back, split] = by_fill[std::pair<std::string, int>("jpeg", fill)];
    if (split > 0) EXPECT_GE(back, 1) << "jpeg, gap kind " << fill;
  }
  for (const auto& [type, n] : split_per_type) {
    std::printf("reassembly: %s %d of %d split files byte-exact\n", type.c_str(), recovered[type], n);
    EXPECT_GE(2 * recovered[type], n) << type;
  }
  // Nothing reassembled differs from an original, or from a file inside one (a PNG stored in a
  // JAR that was split is reassembled too); every contiguous file is still carved.
  for (const auto& f : report.carved) {
    EXPECT_EQ(f.verdict, CarveVerdict::valid);
    if (!f.reassembled || img.originals.count(f.sha256)) continue;
    const auto bytes = read_bytes(dir / "o" / f.file);
    EXPECT_TRUE(std::any_of(img.files.begin(), img.files.end(), [&](const auto& o) {
      return std::search(o.begin(), o.end(), bytes.begin(), bytes.end()) != o.end();
    })) << f.type << " at " << f.offset << " " << f.note;
  }
  for (const auto& w : img.whole) {
    auto it = std::find_if(report.carved.begin(), report.carved.end(), [&](const CarvedFile& f) { return f.offset == w.offset; });
    ASSERT_NE(it, report.carved.end()) << w.type << " at " << w.offset;
    EXPECT_EQ(it->sha256, w.sha256);
    EXPECT_FALSE(it->reassembled);
  }
  std::uint64_t reassembled = 0;
  for (const auto& [type, t] : report.carve_tally) reassembled += t.reassembled;
  EXPECT_EQ(reassembled, static_cast<std::uint64_t>(std::count_if(report.carved.begin(), report.carved.end(),
                                                                   [](const CarvedFile& f) { return f.reassembled; })));
  // The DFXML report lists both pieces of a reassembled file.
  const std::string xml = read_text(dir / "o" / "carved" / "report.xml");
  EXPECT_NE(xml.find("reassembled=\"true\""), std::string::npos);
  for (const auto& f : report.carved)
    if (f.reassembled) {
      EXPECT_NE(xml.find("<byte_run file_offset=\"" + std::to_string(f.runs[0].length) + "\" img_offset=\"" +
                         std::to_string(f.runs[1].offset) + "\""),
                std::string::npos);
      break;
    }
}

TEST(Reassembly, OffCarvesOnlyTheContiguousFilesAndTheSameOnes) {
  const auto& img = image();
  TempDir a, b;
  MemorySource source(img.bytes);
  const auto off = scan(source, options(a / "o", false));
  const auto on = scan(source, options(b / "o", true));
  std::vector<CarvedFile> on_contiguous;
  for (const auto& f : on.carved)
    if (!f.reassembled) on_contiguous.push_back(f);
  ASSERT_EQ(off.carved.size(), on_contiguous.size());
  for (std::size_t i = 0; i < off.carved.size(); ++i) {
    EXPECT_EQ(off.carved[i].offset, on_contiguous[i].offset);
    EXPECT_EQ(off.carved[i].sha256, on_contiguous[i].sha256);
    EXPECT_FALSE(off.carved[i].reassembled);
  }
  for (const auto& [type, t] : off.carve_tally) EXPECT_EQ(t.reassembly_tried, 0u);
}

// Reassemblies read the image at random: what they find does not depend on the chunk geometry or
// the number of threads.
TEST(Reassembly, RecordsDoNotDependOnChunkGeometry) {
  const auto& img = image();
  MemorySource source(img.bytes);
  TempDir dir;
  std::string reference;
  const std::size_t pages[] = {16 << 20, 65536};
  for (std::size_t i = 0; i < 2; ++i) {
    auto o = options(dir / ("g" + std::to_string(i)), true);
    o.page_size = pages[i];
    o.margin = 4096;
    o.threads = static_cast<unsigned>(i + 1);
    scan(source, o);
    const auto records = read_text(o.output / "carved" / "files.jsonl");
    if (i == 0) {
      reference = records;
      EXPECT_NE(records.find("\"reassembled\":true"), std::string::npos);
    } else {
      EXPECT_EQ(records, reference);
    }
  }
}

// A search is bounded by its budget: with a tiny one it gives up, says so, and reports nothing wrong.
TEST(Reassembly, ABudgetStopsTheSearch) {
  const auto& img = image();
  const Split* s = nullptr;
  for (const auto& x : img.split)
    if (x.type == "png" && x.gap >= 65536) s = &x;
  if (!s) GTEST_SKIP() << "no split PNG";
  MemorySource source(img.bytes);
  carvers::ByteView view(source, s->offset, img.bytes.size() - s->offset, {}, 0, false);
  const auto& spec = *carvers::find_carver("png");
  const auto broken = carvers::carve(spec, view);
  ASSERT_EQ(broken.verdict, carvers::Verdict::corrupt);
  carvers::ReassembleOptions o;
  o.file_budget = 4096;
  const auto r = carvers::reassemble(spec, view, broken, o, nullptr);
  EXPECT_TRUE(r.out_of_budget);
  EXPECT_FALSE(r.carve.has_value());
  std::atomic<std::int64_t> global{4096};
  const auto g = carvers::reassemble(spec, view, broken, carvers::ReassembleOptions{}, &global);
  EXPECT_TRUE(g.out_of_budget);
  const auto full = carvers::reassemble(spec, view, broken, carvers::ReassembleOptions{}, nullptr);
  ASSERT_TRUE(full.carve.has_value());
  EXPECT_EQ(full.runs[1].offset, s->offset + s->cut + s->gap);
}

// Issue 17: a gzip member whose second piece lies 64 KiB of zeros after its first. Where its walk
// said the stream broke depended on how much of the image the view held at once: libdeflate on
// bytes held contiguously decoded through the zeros, zlib on a shorter window stopped at them (the
// zero-run rule), and the reassembly search started from different places (records changed with
// the chunk geometry). The verdict and length are now the same however the bytes are held.
TEST(Deflate, AZeroRunEndsTheStreamHoweverTheBytesAreHeld) {
  std::string text;
  std::mt19937_64 rng(9);
  const char* words[] = {"sector ", "cluster ", "record ", "evidence ", "offset ", "header\n", "digest ", "chunk "};
  while (text.size() < 400000) text += words[rng() % 8] + std::to_string(rng() % 100000) + " ";
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<std::byte> gz(compressBound(text.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(text.data());
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  gz.resize(z.total_out);
  deflateEnd(&z);
  const std::size_t cut = 40960;
  ASSERT_GT(gz.size(), cut + 4096);
  std::vector<std::byte> image = random_bytes(4096, 1);
  const std::uint64_t at = image.size();
  image.insert(image.end(), gz.begin(), gz.begin() + cut);
  image.resize(image.size() + 65536);  // the gap: zeros
  image.insert(image.end(), gz.begin() + cut, gz.end());
  auto tail = random_bytes(8192, 2);
  image.insert(image.end(), tail.begin(), tail.end());
  MemorySource source(image);
  const auto& spec = *carvers::find_carver("gzip");
  std::optional<carvers::Carve> first;
  for (std::uint64_t held : {std::uint64_t{0}, std::uint64_t{at + cut + 8192}, std::uint64_t{image.size()}}) {
    carvers::ByteView view(source, at, image.size() - at, std::span(image.data(), held), 0, false);
    const auto c = carvers::carve(spec, view);
    EXPECT_EQ(c.verdict, carvers::Verdict::corrupt) << held;
    if (!first) first = c;
    EXPECT_EQ(c.length, first->length) << "with " << held << " bytes held";
  }
}

// Found by bench/reassembly_wide.py over a machine's pictures (issue 17): a JPEG cut in its first
// sector of scan data, 8 KiB of zeros, then its rest. The zeros decoded as flat blocks that continued
// the picture, the search (which cannot split in the first MCU row) found a continuation after
// them, and head + zeros + a piece of the rest was written as valid. Nothing wrong is carved now.
TEST(Reassembly, AFirstPieceThatRunsIntoZerosIsNotTaken) {
  const auto files = real_files();
  const auto& jpegs = files.at("jpeg");
  ASSERT_GE(jpegs.size(), 4u);
  std::vector<std::byte> bytes = random_bytes(4096, 1);
  std::vector<std::pair<std::uint64_t, std::string>> split;
  for (std::size_t i = 0; i < jpegs.size(); ++i) {
    const auto& j = jpegs[i];
    // Cut at the first sector boundary inside the scan data (after the SOS segment).
    std::size_t sos = 2;
    while (sos + 4 < j.size() && !(j[sos] == std::byte{0xFF} && j[sos + 1] == std::byte{0xDA})) ++sos;
    const std::size_t cut = (sos + 2 + (std::to_integer<std::size_t>(j[sos + 2]) << 8 | std::to_integer<std::size_t>(j[sos + 3]))) / 512 * 512 + 512;
    ASSERT_LT(cut + 1024, j.size());
    split.push_back({bytes.size(), sha256_hex(j)});
    bytes.insert(bytes.end(), j.begin(), j.begin() + static_cast<std::ptrdiff_t>(cut));
    bytes.resize(bytes.size() + 8192);
    bytes.insert(bytes.end(), j.begin() + static_cast<std::ptrdiff_t>(cut), j.end());
    auto pad = random_bytes((4096 - bytes.size() % 4096) + 4096, 10 + i);
    bytes.insert(bytes.end(), pad.begin(), pad.end());
  }
  TempDir dir;
  MemorySource source(bytes);
  auto o = options(dir / "o", true);
  o.carve.types = {"jpeg"};
  const auto report = scan(source, o);
  for (const auto& [at, digest] : split)
    for (const auto& f : report.carved)
      if (f.offset == at && f.reassembled) EXPECT_EQ(f.sha256, digest) << "JPEG at " << at << ": " << f.note;
}

TEST(Reassembly, BadOptionsAreUsageErrors) {
  MemorySource source(random_bytes(100, 1));
  expect_usage_error(source, options({}, true), [](ScanOptions& o) { o.carve.max_gap = 100; });
  for (const char* args : {"--reassemble maybe", "--max-gap 100", "--max-gap 1Q"}) {
    TempDir dir;
    write_file(dir / "i.raw", random_bytes(4096, 2));
    const auto r = run(cli() + " scan " + shell_quote((dir / "i.raw").string()) + " -o " + shell_quote((dir / "o").string()) +
                       " -q --find none " + args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("trawl: ", 0), 0u) << r.err;
  }
}

}  // namespace
}  // namespace trawl::test
