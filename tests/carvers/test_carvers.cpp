// Every carver on real files: the walk must reach exactly the file's end with the verdict
// `valid`, inside a larger view (the file followed by other bytes, as on a disk); a truncated
// copy must not be valid; a copy with 1 KiB overwritten where its structure is checked must not
// be valid either. Plus the regressions each carver was written against.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "carvers/carver.hpp"
#include "fuzz/fuzz_carver.hpp"
#include "samples.hpp"
#include "support/memory_source.hpp"

namespace trawl::test {
namespace {

using carvers::Verdict;

// The samples are made once for the whole program (some take a tool run).
const std::vector<Sample>& samples() {
  static TempDir dir;
  static std::vector<std::string> missing;
  static const std::vector<Sample> all = collect_samples(dir.path(), missing);
  static bool told = false;
  if (!told) {
    for (const auto& m : missing) std::fprintf(stderr, "note: sample not available here: %s\n", m.c_str());
    told = true;
  }
  return all;
}

carvers::Carve carve_bytes(const std::string& type, std::span<const std::byte> bytes) {
  const auto* spec = carvers::find_carver(type);
  if (!spec) throw std::runtime_error("no carver " + type);
  carvers::ByteView view(bytes);
  return carvers::carve(*spec, view);
}

std::string subtype_of(const carvers::Carve& c, const std::string& type) { return c.subtype.empty() ? type : std::string(c.subtype); }

TEST(Carvers, EveryFormatHasRealSamples) {
  std::map<std::string, int> per_type;
  for (const auto& s : samples()) ++per_type[s.type];
  for (const auto* spec : carvers::all_carvers())
    EXPECT_GT(per_type[std::string(spec->type)], 0) << "no sample of " << spec->type << " on this machine (see scripts/setup.sh)";
}

TEST(Carvers, RealSamplesAreValidAndEndExactlyAtTheirLength) {
  for (const auto& s : samples()) {
    auto image = s.bytes;
    auto tail = random_bytes(8192, s.bytes.size());
    image.insert(image.end(), tail.begin(), tail.end());
    const auto c = carve_bytes(s.type, image);
    EXPECT_EQ(c.verdict, Verdict::valid) << s.name << ": " << c.note;
    if (s.type == "sqlite-journal")  // SQLite leaves stale bytes after the last record: not part of the journal
      EXPECT_LE(c.length, s.bytes.size()) << s.name;
    else
      EXPECT_EQ(c.length, s.bytes.size()) << s.name;
    EXPECT_EQ(subtype_of(c, s.type), s.subtype) << s.name;
  }
}

TEST(Carvers, AFileThatEndsWithTheImageIsStillValid) {
  for (const auto& s : samples()) {
    const auto c = carve_bytes(s.type, s.bytes);
    EXPECT_EQ(c.verdict, Verdict::valid) << s.name << ": " << c.note;
  }
}

TEST(Carvers, TruncatedCopiesAreNotValid) {
  for (const auto& s : samples()) {
    for (double keep : {0.5, 0.9}) {
      const auto cut = static_cast<std::size_t>(s.bytes.size() * keep);
      std::span<const std::byte> part(s.bytes.data(), cut);
      const auto c = carve_bytes(s.type, part);
      if (s.shortens) {  // a log cut short is a shorter valid log
        EXPECT_LE(c.length, cut) << s.name;
        continue;
      }
      EXPECT_NE(c.verdict, Verdict::valid) << s.name << " cut to " << cut << " bytes, length " << c.length;
    }
  }
}

TEST(Carvers, DamagedCopiesAreNotValid) {
  for (const auto& s : samples()) {
    auto damaged = s.bytes;
    const auto at = std::min<std::size_t>(s.damage_at, damaged.size() - 1);
    const auto noise = random_bytes(std::min<std::size_t>(1024, damaged.size() - at), 4242);
    std::copy(noise.begin(), noise.end(), damaged.begin() + static_cast<std::ptrdiff_t>(at));
    auto tail = random_bytes(8192, 99);
    damaged.insert(damaged.end(), tail.begin(), tail.end());
    const auto c = carve_bytes(s.type, damaged);
    if (s.shortens) {
      EXPECT_LE(c.length, at + 1024) << s.name << ": damaged records are not part of the valid log";
      continue;
    }
    EXPECT_NE(c.verdict, Verdict::valid) << s.name << " damaged at " << at << " -> length " << c.length;
  }
}

// Random bytes behind each signature: walks end (no hang, no crash) and almost never say valid.
TEST(Carvers, GarbageAfterASignatureIsRejectedQuickly) {
  int valid = 0, total = 0;
  for (const auto* spec : carvers::all_carvers()) {
    for (const auto& sig : spec->signatures) {
      for (std::uint64_t seed = 0; seed < 200; ++seed) {
        auto bytes = random_bytes(4096 + seed * 37, seed * 1000 + sig.bytes.size());
        for (std::size_t j = 0; j < sig.bytes.size(); ++j) {
          const auto mask = sig.mask.empty() ? 0xFF : static_cast<unsigned char>(sig.mask[j]);
          auto& b = bytes[sig.offset + j];
          b = static_cast<std::byte>((static_cast<unsigned char>(sig.bytes[j]) & mask) | (std::to_integer<unsigned char>(b) & ~mask));
        }
        const auto c = carve_bytes(std::string(spec->type), bytes);
        valid += c.verdict == Verdict::valid;
        ++total;
      }
    }
  }
  // BMP and ELF have no checksums: a header that agrees with itself by chance is all it takes.
  EXPECT_LE(valid, total / 200) << valid << " of " << total;
}

// The fuzz seeds (tests/fuzz/corpus/<format>/) are valid files of their format once the fuzz
// target has put the signature back: the fuzzers start from real structure.
TEST(Carvers, FuzzSeedsAreValidFiles) {
  const fs::path corpus = TRAWL_FUZZ_CORPUS_DIR;
  int seeds = 0;
  for (const auto* spec : carvers::all_carvers()) {
    std::string folder(spec->type);
    std::replace(folder.begin(), folder.end(), '-', '_');
    ASSERT_TRUE(fs::is_directory(corpus / folder)) << "no seeds for " << spec->type;
    for (const auto& entry : fs::directory_iterator(corpus / folder)) {
      const auto input = read_bytes(entry.path());
      const auto file = fuzz::file_from_input(*spec, reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
      carvers::ByteView view(file);
      const auto c = carvers::carve(*spec, view);
      EXPECT_EQ(c.verdict, Verdict::valid) << entry.path() << ": " << c.note;
      EXPECT_EQ(c.length, file.size()) << entry.path();
      ++seeds;
    }
  }
  EXPECT_GE(seeds, 17);
}

// Regression: an EXIF thumbnail is a whole JPEG (with its own EOI) inside APP1; a walk that
// looked for the first EOI would end the photo there.
TEST(Jpeg, ExifThumbnailDoesNotEndThePhotoEarly) {
  auto photo = pinned_bytes(forensics_samples / "pic1/IMG_1054.JPG");
  if (photo.empty()) GTEST_SKIP() << "forensics-samples-files not installed";
  const std::string_view text(reinterpret_cast<const char*>(photo.data()), photo.size());
  const auto thumbnail = text.find("\xFF\xD8\xFF", 2);
  ASSERT_NE(thumbnail, std::string_view::npos);
  ASSERT_LT(text.find("\xFF\xD9", thumbnail), photo.size() / 4) << "the sample has its thumbnail near the start";
  EXPECT_EQ(carve_bytes("jpeg", photo).length, photo.size());
  // The thumbnail on its own is a valid JPEG too (the carve stage reports it with its parent).
  const auto inner = carve_bytes("jpeg", std::span(photo).subspan(thumbnail));
  EXPECT_EQ(inner.verdict, Verdict::valid);
  EXPECT_LT(inner.length, photo.size() / 4);
}

// Regression: every member of an archive starts with "PK\3\4"; only the first is a file.
TEST(Zip, AMemberOfALargerArchiveIsNotAFile) {
  auto docx = pinned_bytes(forensics_samples / "text1/a-text.docx");
  if (docx.empty()) GTEST_SKIP() << "forensics-samples-files not installed";
  const std::string_view text(reinterpret_cast<const char*>(docx.data()), docx.size());
  const auto second = text.find("PK\x03\x04", 4);
  ASSERT_NE(second, std::string_view::npos);
  EXPECT_EQ(carve_bytes("zip", std::span(docx).subspan(second)).verdict, Verdict::not_this_format);
}

// An incremental update appends objects, an xref section and a trailer with its own %%EOF: the
// file ends at the last one.
TEST(Pdf, IncrementalUpdatesAreKept) {
  auto pdf = pinned_bytes(forensics_samples / "text1/a-text.pdf");
  if (pdf.empty()) GTEST_SKIP() << "forensics-samples-files not installed";
  const std::size_t original = pdf.size();
  std::string update = "99 0 obj\n<< /Producer (update) >>\nendobj\n";
  const std::size_t xref = original + update.size();
  update += "xref\n99 1\n" + std::string(10 - std::to_string(original).size(), '0') + std::to_string(original) +
            " 00000 n \ntrailer\n<< /Size 100 >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  put_text(pdf, update);
  auto image = pdf;
  auto tail = random_bytes(4096, 5);
  image.insert(image.end(), tail.begin(), tail.end());
  const auto c = carve_bytes("pdf", image);
  EXPECT_EQ(c.verdict, Verdict::valid) << c.note;
  EXPECT_EQ(c.length, pdf.size());
  // Without the update the same bytes end at the first %%EOF.
  EXPECT_EQ(carve_bytes("pdf", std::span(pdf).first(original)).length, original);
}

// GZIP: the deflate stream decides the end; the trailer must agree with what was inflated.
TEST(Gzip, ATrailerThatDisagreesIsCorrupt) {
  for (const auto& s : samples()) {
    if (s.type != "gzip") continue;
    auto bad = s.bytes;
    bad[bad.size() - 3] ^= std::byte{0x01};  // ISIZE
    EXPECT_EQ(carve_bytes("gzip", bad).verdict, Verdict::corrupt);
    return;
  }
  GTEST_SKIP() << "no gzip sample";
}

// Reads through a Source past the resident bytes, through the block cache, across block edges.
TEST(ByteView, ReadsAcrossResidentBytesAndCacheBlocksAgree) {
  auto image = random_bytes(3 << 20, 31);
  test::MemorySource source(image);
  const std::uint64_t start = 1000;
  // Resident: 64 KiB from 500 (before the view starts, like a chunk's lookbehind).
  carvers::ByteView view(source, start, image.size() - start, std::span(image).subspan(500, 65536), 500, false);
  for (std::uint64_t pos : std::vector<std::uint64_t>{0, 64535, 64536, 262144 - 1000 - 2, 262144 - 1000, 1 << 21, image.size() - start - 8}) {
    std::uint64_t want = 0;
    for (int i = 7; i >= 0; --i) want = want << 8 | std::to_integer<std::uint64_t>(image[start + pos + i]);
    EXPECT_EQ(view.u64le(pos), want) << pos;
  }
  EXPECT_THROW(view.u8(image.size() - start), carvers::EndOfView);
  EXPECT_THROW(view.u32le(image.size() - start - 3), carvers::EndOfView);
  std::string needle(reinterpret_cast<const char*>(image.data()) + start + 262144 - 1000 - 3, 7);  // across a block edge
  auto found = view.find(needle, 0, view.size());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(image.data()) + start + *found, 7), needle);
}

}  // namespace
}  // namespace trawl::test
