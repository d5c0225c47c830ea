// Carving through trawl::scan and the CLI: an image of real files at sector offsets with random
// filler, scanned at several chunk geometries down to the smallest legal one (files planted across
// page edges); the records, carved bytes, parents and the DFXML report must not change.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "carvers/carver.hpp"
#include "host/source/sources.hpp"
#include "host/util/text.hpp"
#include "samples.hpp"
#include "support/digest.hpp"
#include "support/expect_usage.hpp"
#include "support/memory_source.hpp"

namespace trawl::test {
namespace {

struct Planted {
  std::string name, type;
  std::uint64_t offset;
  std::string sha256;
};

// Real files laid out like a disk: random filler between them, each at a sector boundary, one
// planted so that it starts one sector before the end of the first small page.
struct Image {
  std::vector<std::byte> bytes;
  std::vector<Planted> files;
};

const Image& image() {
  static const Image img = [] {
    static TempDir dir;
    std::vector<std::string> missing;
    auto all = collect_samples(dir.path(), missing);
    Image out;
    out.bytes = random_bytes(4096 - 512, 1);  // the first file starts at 3584: across the 4 KiB page edge
    std::uint64_t seed = 2;
    for (const auto& s : all) {
      // AMR has no end marker: here the filler after the AMR-WB sample reads on as frames (open:
      // see the media section of docs/carving.md); test_media.cpp checks AMR's ends.
      if (s.bytes.size() > (8u << 20) || s.type == "sqlite-journal" || s.type == "amr") continue;
      out.files.push_back({s.name, s.type, out.bytes.size(), sha256_hex(s.bytes)});
      out.bytes.insert(out.bytes.end(), s.bytes.begin(), s.bytes.end());
      const std::size_t pad = (512 - out.bytes.size() % 512) % 512 + 512 * (seed % 5);
      auto filler = random_bytes(pad, seed++);
      out.bytes.insert(out.bytes.end(), filler.begin(), filler.end());
    }
    return out;
  }();
  return img;
}

ScanOptions carve_options(const fs::path& out) {
  ScanOptions o;
  o.image_hashes = {};
  o.block_hashes = {};
  o.output = out;
  o.backend = BackendKind::cpu;
  o.carve.types = {"all"};
  o.identifiers.enabled = false;  // carving alone: its own smallest margin is legal
  return o;
}

TEST(CarveScan, EveryPlantedFileIsCarvedByteExact) {
  TempDir dir;
  MemorySource source(image().bytes);
  auto report = scan(source, carve_options(dir / "o"));
  for (const auto& p : image().files) {
    auto it = std::find_if(report.carved.begin(), report.carved.end(), [&](const CarvedFile& f) { return f.offset == p.offset; });
    ASSERT_NE(it, report.carved.end()) << p.name << " at " << p.offset;
    EXPECT_EQ(it->sha256, p.sha256) << p.name;
    EXPECT_EQ(it->verdict, CarveVerdict::valid);
    EXPECT_FALSE(it->parent.has_value()) << p.name;
    auto carved = read_bytes(dir / "o" / it->file);
    EXPECT_EQ(sha256_hex(carved), p.sha256) << it->file;
  }
  // Validated mode: every carved file, on its own, passes its own format's walk to its last byte.
  for (const auto& f : report.carved) {
    const auto bytes = read_bytes(dir / "o" / f.file);
    carvers::ByteView view(bytes);
    const auto again = carvers::carve(*carvers::find_carver(f.type), view);
    EXPECT_EQ(again.verdict, carvers::Verdict::valid) << f.file << ": " << again.note;
    EXPECT_EQ(again.length, bytes.size()) << f.file;
  }
  EXPECT_TRUE(std::is_sorted(report.carved.begin(), report.carved.end(),
                             [](const CarvedFile& a, const CarvedFile& b) { return a.offset < b.offset; }));
  // A file inside another (the photo's EXIF thumbnail, the ODT's thumbnail PNG) names its parent.
  int nested = 0;
  for (const auto& f : report.carved) {
    if (!f.parent) continue;
    ++nested;
    auto parent = std::find_if(report.carved.begin(), report.carved.end(), [&](const CarvedFile& p) { return p.offset == *f.parent; });
    ASSERT_NE(parent, report.carved.end());
    EXPECT_GT(f.offset, parent->offset);
    EXPECT_LT(f.offset, parent->offset + parent->length);
  }
  if (std::any_of(image().files.begin(), image().files.end(), [](auto& p) { return p.name.rfind("IMG_1054", 0) == 0; }))
    EXPECT_GT(nested, 0);
}

TEST(CarveScan, RecordsAndCarvedBytesDoNotDependOnChunkGeometry) {
  TempDir dir;
  MemorySource source(image().bytes);
  struct Geometry {
    std::size_t page, margin, buffers;
    unsigned threads;
  };
  // The smallest legal one first: one 4 KiB block per page, a margin just long enough for the
  // longest signature (16 bytes).
  std::vector<Geometry> geometries{{4096, 16, 2, 1}, {4096, 4096, 3, 2}, {65536, 4096, 4, 3}, {16 << 20, 1 << 20, 6, 0}};
  std::string reference;
  for (std::size_t i = 0; i < geometries.size(); ++i) {
    auto o = carve_options(dir / ("g" + std::to_string(i)));
    o.page_size = geometries[i].page;
    o.margin = geometries[i].margin;
    o.buffers = geometries[i].buffers;
    o.threads = geometries[i].threads;
    scan(source, o);
    auto records = read_text(o.output / "carved" / "files.jsonl");
    // The DFXML differs only in its start time.
    auto dfxml = read_text(o.output / "carved" / "report.xml");
    dfxml.erase(dfxml.find("<start_time>"), dfxml.find("</start_time>") - dfxml.find("<start_time>"));
    if (i == 0) {
      reference = records + dfxml;
      EXPECT_GT(std::count(records.begin(), records.end(), '\n'), static_cast<long>(image().files.size()) - 1);
      continue;
    }
    EXPECT_EQ(records + dfxml, reference) << "page " << geometries[i].page << " margin " << geometries[i].margin;
  }
}

TEST(CarveScan, DfxmlHasAFileObjectPerCarvedFileWithRunsAndDigests) {
  TempDir dir;
  MemorySource source(image().bytes);
  auto report = scan(source, carve_options(dir / "o"));
  auto xml = read_text(dir / "o" / "carved" / "report.xml");
  std::size_t objects = 0;
  for (std::size_t at = 0; (at = xml.find("<fileobject>", at)) != std::string::npos; ++at) ++objects;
  EXPECT_EQ(objects, report.carved.size());
  for (const auto& f : report.carved) {
    EXPECT_NE(xml.find("img_offset=\"" + std::to_string(f.offset) + "\" len=\"" + std::to_string(f.length) + "\""), std::string::npos);
    EXPECT_NE(xml.find("<hashdigest type=\"sha256\">" + f.sha256 + "</hashdigest>"), std::string::npos);
    EXPECT_NE(xml.find("<hashdigest type=\"md5\">" + f.md5 + "</hashdigest>"), std::string::npos);
    EXPECT_NE(xml.find("<filename>" + f.file + "</filename>"), std::string::npos);
  }
  auto summary = nlohmann::json::parse(read_text(dir / "o" / "summary.json"));
  EXPECT_EQ(summary["carving"]["files"], report.carved.size());
  EXPECT_EQ(summary["carving"]["mode"], "validated");
  EXPECT_EQ(summary["carving"]["report"], "carved/report.xml");
  EXPECT_GT(summary["carving"]["per_type"]["jpeg"]["valid"].get<int>(), 0);
}

TEST(CarveScan, AlignmentSkipsFilesThatDoNotStartOnASector) {
  auto png = pinned_bytes(forensics_samples / "pic1/debian_logo.png");
  if (png.empty()) GTEST_SKIP() << "forensics-samples-files not installed";
  auto bytes = random_bytes(1000, 3);  // the PNG starts at 1000: not a multiple of 512
  bytes.insert(bytes.end(), png.begin(), png.end());
  auto tail = random_bytes(3000, 4);
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  MemorySource source(bytes);
  ScanOptions o = carve_options({});
  o.carve.types = {"png"};
  EXPECT_EQ(scan(source, o).carved.size(), 1u);
  o.carve.align = 512;
  EXPECT_EQ(scan(source, o).carved.size(), 0u);
}

TEST(CarveScan, HeadersModeCarvesWhatValidatedModeRejects) {
  auto jpeg = pinned_bytes(forensics_samples / "pic2/d-debian.jpg");
  if (jpeg.empty()) GTEST_SKIP() << "forensics-samples-files not installed";
  jpeg.resize(jpeg.size() / 2);  // truncated: the image ends in the middle of the scan
  MemorySource source(jpeg);
  ScanOptions o = carve_options({});
  o.carve.types = {"jpeg"};
  EXPECT_TRUE(scan(source, o).carved.empty());
  o.carve.mode = CarveMode::headers;
  auto report = scan(source, o);
  ASSERT_EQ(report.carved.size(), 1u);
  EXPECT_EQ(report.carved[0].verdict, CarveVerdict::truncated);
  EXPECT_EQ(report.carved[0].length, jpeg.size());
  EXPECT_EQ(report.carve_tally["jpeg"].truncated, 1u);
}

TEST(CarveScan, MaxCarveSizeLeavesLargerFilesOut) {
  auto jpeg = pinned_bytes(forensics_samples / "pic2/d-debian.jpg");
  if (jpeg.empty()) GTEST_SKIP() << "forensics-samples-files not installed";
  MemorySource source(jpeg);
  ScanOptions o = carve_options({});
  o.carve.types = {"jpeg"};
  o.carve.max_size = jpeg.size() - 1;
  auto report = scan(source, o);
  EXPECT_TRUE(report.carved.empty());
  EXPECT_EQ(report.carve_tally["jpeg"].truncated, 1u);
  o.carve.max_size = jpeg.size();
  EXPECT_EQ(scan(source, o).carved.size(), 1u);
}

// Regression: a BMP's walk reads its header and last byte only, so an unreadable sector inside it
// was first met when its bytes were copied out, which stopped the whole scan. Now the sector is
// zero-filled, as the Reader does, and the file's note says so.
TEST(CarveScan, AnUnreadableSectorInsideACarvedFileIsZeroFilledAndNoted) {
  TempDir dir;
  std::vector<std::string> missing;
  auto samples = collect_samples(dir.path(), missing);
  auto bmp = std::find_if(samples.begin(), samples.end(), [](const Sample& s) { return s.type == "bmp"; });
  if (bmp == samples.end() || bmp->bytes.size() < 8192) GTEST_SKIP() << "no BMP sample (netpbm)";
  auto bytes = bmp->bytes;
  auto tail = random_bytes(4096, 8);
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  const std::uint64_t bad = 4096;  // a sector in the pixel array
  detail::FaultySource source(std::make_unique<MemorySource>(bytes), {{bad, 512}}, 512);
  ScanOptions o = carve_options(dir / "o");
  o.carve.types = {"bmp"};
  auto report = scan(source, o);
  ASSERT_EQ(report.carved.size(), 1u);
  EXPECT_NE(report.carved[0].note.find("zero-filled"), std::string::npos);
  auto zeroed = bmp->bytes;
  std::fill(zeroed.begin() + bad, zeroed.begin() + bad + 512, std::byte{0});
  EXPECT_EQ(report.carved[0].sha256, sha256_hex(zeroed));
  EXPECT_EQ(report.exit_code(), ExitCode::read_errors);
}

// A scan that fails half way (here the source throws) ends with its error: the carve stage's
// sequencer and output workers stop instead of waiting for work that will not come.
TEST(CarveScan, AFailingScanStopsTheCarveThreads) {
  struct Throwing : MemorySource {
    using MemorySource::MemorySource;
    Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override {
      if (offset >= (4u << 20)) throw std::runtime_error("device gone");
      return MemorySource::read_at(buffer, offset);
    }
  } source(image().bytes);
  ScanOptions o = carve_options({});
  o.page_size = 1 << 20;
  o.margin = 4096;
  EXPECT_THROW(scan(source, o), std::runtime_error);
}

TEST(CarveScan, AStreamIsNotCarvedAndSaysWhy) {
  struct Notices : Observer {
    std::vector<std::string> lines;
    void on_notice(std::string_view m) override { lines.emplace_back(m); }
  } notices;
  MemorySource stream(image().bytes, true);
  auto report = scan(stream, carve_options({}), &notices);
  EXPECT_TRUE(report.carved.empty());
  EXPECT_NE(report.carve_notice.find("random-access"), std::string::npos);
  ASSERT_EQ(notices.lines.size(), 1u);
  EXPECT_EQ(notices.lines[0], report.carve_notice);
}

TEST(CarveScan, BadCarveOptionsAreUsageErrors) {
  MemorySource source(random_bytes(100, 1));
  auto expect_usage = [&](auto change) { test::expect_usage_error(source, carve_options({}), change); };
  expect_usage([](ScanOptions& o) { o.carve.types = {"jpeg", "wma"}; });
  expect_usage([](ScanOptions& o) { o.carve.align = 0; });
  expect_usage([](ScanOptions& o) {
    o.page_size = 4096;
    o.margin = 8;  // shorter than "SQLite format 3\0"
  });
}

// The CLI: carving is on by default, off with --carve none, and its records are JSON Lines.
TEST(CarveCli, CarvesByDefaultWritesRecordsAndTurnsOffWithNone) {
  TempDir dir;
  write_file(dir.evidence("disk.raw"), image().bytes);
  auto on = run(cli() + " scan " + shell_quote((dir.evidence("disk.raw")).string()) + " -o " + shell_quote((dir / "a").string()) +
                " --jsonl --progress none --block-hash none");
  ASSERT_EQ(on.exit_code, 0) << on.err;
  std::istringstream lines(on.out);
  int carved = 0;
  std::string last;
  for (std::string l; std::getline(lines, l);) {
    auto j = nlohmann::json::parse(l);
    if (j["record"] == "carved_file") {
      ++carved;
      EXPECT_TRUE(fs::exists(dir / "a" / j["file"].get<std::string>())) << l;
    }
    last = j["record"];
  }
  EXPECT_GE(carved, static_cast<int>(image().files.size()));
  EXPECT_EQ(last, "summary");
  auto off = run(cli() + " scan " + shell_quote((dir.evidence("disk.raw")).string()) + " -o " + shell_quote((dir / "b").string()) +
                 " -q --carve none");
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_FALSE(fs::exists(dir / "b" / "carved"));
  auto bad = run(cli() + " scan " + shell_quote((dir.evidence("disk.raw")).string()) + " -o " + shell_quote((dir / "c").string()) +
                 " --carve jpg");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown type 'jpg'"), std::string::npos) << bad.err;
}

TEST(CarveCli, StdinScansWithANoticeInsteadOfCarving) {
  TempDir dir;
  write_file(dir.evidence("disk.raw"), image().bytes);
  auto r = run("cat " + shell_quote((dir.evidence("disk.raw")).string()) + " | " + cli() + " scan - -o " + shell_quote((dir / "o").string()) +
               " --progress none --block-hash none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("carving turned off"), std::string::npos) << r.err;
  auto summary = nlohmann::json::parse(read_text(dir / "o" / "summary.json"));
  EXPECT_EQ(summary["carving"]["enabled"], false);
}

}  // namespace
}  // namespace trawl::test
