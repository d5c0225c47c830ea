#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "host/reader/reader.hpp"
#include "host/source/sources.hpp"
#include "support/memory_source.hpp"
#include "support/test_support.hpp"

namespace trawl::detail {
namespace {

using test::MemorySource;

struct Seen {
  std::uint64_t offset;
  std::size_t page_len;
  std::vector<std::byte> data;
  std::vector<std::byte> lookbehind;
};

std::vector<Seen> read_all(const Source& source, ReaderConfig config, Reader** out_reader = nullptr,
                           std::vector<ByteRange>* bad = nullptr) {
  ChunkRing ring(config.buffers, buffer_size(config), allocate_aligned);
  Reader reader(source, config, ring);
  std::vector<Seen> seen;
  std::atomic<bool> stop{false};
  reader.run(
      [&](ChunkPtr c) {
        auto all = c->with_lookbehind();
        seen.push_back({c->offset, c->page_len, {c->data().begin(), c->data().end()},
                        {all.begin(), all.begin() + static_cast<std::ptrdiff_t>(c->before_len)}});
      },
      stop);
  if (bad) *bad = reader.bad_ranges();
  (void)out_reader;
  return seen;
}

// Every page is contiguous with the previous one, every chunk's bytes equal the image's at the
// same absolute offsets, the margin is exactly the head of the next page and the lookbehind
// the tail of the previous one.
void expect_exact_cover(const std::vector<Seen>& seen, const std::vector<std::byte>& image, const ReaderConfig& config) {
  std::uint64_t next = 0;
  for (const auto& s : seen) {
    ASSERT_EQ(s.offset, next);
    ASSERT_EQ(s.page_len, std::min<std::uint64_t>(config.page_size, image.size() - s.offset));
    ASSERT_EQ(s.data.size(), std::min<std::uint64_t>(config.page_size + config.margin, image.size() - s.offset));
    ASSERT_EQ(0, std::memcmp(s.data.data(), image.data() + s.offset, s.data.size())) << "chunk at " << s.offset;
    ASSERT_EQ(s.lookbehind.size(), std::min<std::uint64_t>(config.margin, s.offset));
    if (!s.lookbehind.empty())  // memcmp of an empty vector's null data() is undefined (UBSan)
      ASSERT_EQ(0, std::memcmp(s.lookbehind.data(), image.data() + s.offset - s.lookbehind.size(), s.lookbehind.size()));
    next += s.page_len;
  }
  EXPECT_EQ(next, image.size());
}

struct Geometry {
  std::size_t page, margin, buffers;
};

class ReaderGeometry : public ::testing::TestWithParam<Geometry> {};

TEST_P(ReaderGeometry, PagesCoverTheImageOnceAndMarginsRepeatTheNextPage) {
  const auto g = GetParam();
  ReaderConfig config{g.page, g.margin, g.buffers, 512};
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, g.page - 1, g.page, g.page + 1, g.page + g.margin - 1,
                           g.page + g.margin, 3 * g.page + 17, 5 * g.page}) {
    auto image = test::random_bytes(size, size + 7);
    MemorySource file(image), stream(image, true);
    expect_exact_cover(read_all(file, config), image, config);
    expect_exact_cover(read_all(stream, config), image, config);
  }
}

// Artefacts at page-1, page and page+margin-1: which chunk owns each, and who sees it in the margin.
TEST_P(ReaderGeometry, ArtefactsAtPageEdgesAreOwnedByExactlyOneChunk) {
  const auto g = GetParam();
  ReaderConfig config{g.page, g.margin, g.buffers, 512};
  std::vector<std::byte> image(4 * g.page, std::byte{0});
  std::vector<std::uint64_t> planted{g.page - 1, g.page};
  if (g.margin) planted.push_back(g.page + g.margin - 1);
  for (auto at : planted) image[at] = std::byte{0xAB};
  MemorySource source(image);
  auto seen = read_all(source, config);
  for (auto at : planted) {
    int owners = 0, visible = 0;
    for (const auto& s : seen) {
      if (at >= s.offset && at < s.offset + s.page_len) ++owners;
      if (at >= s.offset && at < s.offset + s.data.size()) {
        ++visible;
        EXPECT_EQ(s.data[at - s.offset], std::byte{0xAB});
      }
    }
    EXPECT_EQ(owners, 1) << "artefact at " << at;
    EXPECT_EQ(visible, at >= g.page && at < g.page + g.margin ? 2 : 1) << "artefact at " << at;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReaderGeometry,
                         ::testing::Values(Geometry{4096, 0, 2}, Geometry{4096, 4096, 2}, Geometry{4096, 512, 3},
                                           Geometry{65536, 4096, 4}, Geometry{1 << 20, 64 << 10, 6}));

TEST(Reader, BadSectorsAreZeroFilledRecordedOnceAndMerged) {
  auto image = test::random_bytes(1 << 20, 1);
  // Sector 3 alone, sectors 100..102 (a range that starts mid-sector), and the image's last sector.
  std::vector<ByteRange> faults{{3 * 512, 1}, {100 * 512 + 17, 3 * 512 - 17}, {(1 << 20) - 1, 1}};
  FaultySource source(std::make_unique<MemorySource>(image), faults, 512);
  ReaderConfig config{65536, 4096, 3, 512};
  std::vector<ByteRange> bad;
  auto seen = read_all(source, config, nullptr, &bad);
  std::vector<ByteRange> want{{3 * 512, 512}, {100 * 512, 3 * 512}, {(1 << 20) - 512, 512}};
  EXPECT_EQ(bad, want);
  auto expected = image;
  for (const auto& b : want) std::memset(expected.data() + b.offset, 0, b.length);
  expect_exact_cover(seen, expected, config);
}

// Short reads (fewer bytes than asked, no error) at page edges, inside margins and mid-page:
// before the fix the bytes after a short read were skipped without a word.
TEST(Reader, ShortReadsMidImageAreReadOnNotSkipped) {
  auto image = test::random_bytes(1 << 20, 2);
  ReaderConfig config{65536, 4096, 3, 512};
  FaultySource source(std::make_unique<MemorySource>(image), {}, 512,
                      {1, 65535, 65536, 65536 + 4095, 200000, 200001, (1 << 20) - 1});
  std::vector<ByteRange> bad;
  auto seen = read_all(source, config, nullptr, &bad);
  EXPECT_TRUE(bad.empty());
  expect_exact_cover(seen, image, config);
}

// An image whose size says more than its reads give (cut while being read): the missing bytes
// are zero-filled and recorded as unreadable, never skipped.
class ShrunkSource final : public MemorySource {
 public:
  ShrunkSource(std::vector<std::byte> bytes, std::uint64_t cut) : MemorySource(std::move(bytes)), cut_(cut) {}
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override {
    if (offset >= cut_) return {};
    return MemorySource::read_at(buffer.first(static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), cut_ - offset))), offset);
  }

 private:
  std::uint64_t cut_;
};

TEST(Reader, AnImageCutWhileBeingReadHasItsMissingBytesRecordedAsBad) {
  auto image = test::random_bytes(300000, 3);
  ShrunkSource source(image, 100000);
  ReaderConfig config{65536, 4096, 3, 512};
  std::vector<ByteRange> bad;
  auto seen = read_all(source, config, nullptr, &bad);
  std::vector<ByteRange> want{{100000, 200000}};
  EXPECT_EQ(bad, want);
  auto expected = image;
  std::memset(expected.data() + 100000, 0, 200000);
  expect_exact_cover(seen, expected, config);
}

TEST(Reader, ASlowConsumerHoldingBuffersOnlySlowsTheReader) {
  auto image = test::random_bytes(40 * 4096 + 5, 2);
  MemorySource source(image);
  ReaderConfig config{4096, 512, 2, 512};
  ChunkRing ring(config.buffers, buffer_size(config), allocate_aligned);
  Reader reader(source, config, ring);
  std::vector<ChunkPtr> held;
  std::vector<std::thread> releasers;
  std::uint64_t total = 0;
  std::atomic<bool> stop{false};
  reader.run(
      [&](ChunkPtr c) {
        total += c->page_len;
        releasers.emplace_back([c]() mutable {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          c.reset();
        });
      },
      stop);
  for (auto& t : releasers) t.join();
  EXPECT_EQ(total, image.size());
}

TEST(Reader, StopEndsTheReadEarly) {
  auto image = test::random_bytes(64 * 4096, 3);
  MemorySource source(image);
  ReaderConfig config{4096, 0, 2, 512};
  ChunkRing ring(2, 4096, allocate_aligned);
  Reader reader(source, config, ring);
  std::atomic<bool> stop{false};
  int chunks = 0;
  reader.run([&](ChunkPtr) { if (++chunks == 3) stop = true; }, stop);
  EXPECT_EQ(chunks, 3);
}

}  // namespace
}  // namespace trawl::detail
