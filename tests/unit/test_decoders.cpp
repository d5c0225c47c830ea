// The decoders' bounds on hostile input (host/decoders/inflate.cpp).
#include <gtest/gtest.h>

#include <zlib.h>

#include <cstring>
#include <string>

#include "host/decoders/inflate.hpp"

namespace trawl::detail {
namespace {

std::vector<std::byte> repeated(std::initializer_list<unsigned char> pattern, std::size_t size) {
  std::vector<std::byte> image(size);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::byte>(pattern.begin()[i % pattern.size()]);
  return image;
}

// Inflates every stream of `image` found in [0, scan_end); returns the bytes read.
std::uint64_t inflate_all(const std::vector<std::byte>& image, const std::vector<StreamStart>& streams, const DecodeLimits& limits) {
  std::uint64_t read_bytes = 0;
  for (const auto& s : streams) {
    InputReader read = [&](std::span<std::byte> into, std::uint64_t offset) -> std::size_t {
      const std::uint64_t at = s.data_offset + offset;
      if (at >= image.size()) return 0;
      const std::size_t n = std::min<std::size_t>(into.size(), image.size() - at);
      std::memcpy(into.data(), image.data() + at, n);
      read_bytes += n;
      return n;
    };
    EXPECT_TRUE(inflate_stream(s, read, limits).empty());
  }
  return read_bytes;
}

// Found with bench/make_worst_case.py: "1F 8B 08" every 3 bytes made zlib read on to the image's
// end for every candidate (quadratic), then 4 KiB each. Its XFL (08) is none a compressor writes:
// no candidate at all now.
TEST(Decoders, GzipHeadersNoCompressorWritesAreNotCandidates) {
  const auto image = repeated({0x1f, 0x8b, 0x08}, 1 << 20);
  EXPECT_TRUE(find_streams(image, 0, 3000).empty());
}

// A well-formed header (FNAME, mtime, XFL 2, OS 3) whose name never ends: rejected from the
// buffer, without reading; one whose name ends: its deflate data starts after the NUL.
TEST(Decoders, AGzipHeaderWhoseNameNeverEndsIsNotACandidate) {
  const auto image = repeated({0x1f, 0x8b, 0x08, 0x08, 0x01, 0x01, 0x01, 0x01, 0x02, 0x03}, 1 << 20);
  EXPECT_TRUE(find_streams(image, 0, 3000).empty());
  std::vector<std::byte> named(image.begin(), image.begin() + 4096);
  named[30] = std::byte{0};
  const auto streams = find_streams(named, 0, 1);
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].kind, "GZIP");
  EXPECT_EQ(streams[0].data_offset, 31u);
}

// A header cut by the buffer's end is left to zlib, which reads it from the source; garbage
// candidates (zlib headers every 2 bytes) read at most a bounded amount each.
TEST(Decoders, GarbageCandidatesReadABoundedAmountEach) {
  auto image = repeated({0x78, 0x9c}, 8 << 20);
  const auto streams = find_streams(image, 0, 3000);
  ASSERT_EQ(streams.size(), 1500u);
  DecodeLimits limits;
  EXPECT_LE(inflate_all(image, streams, limits), streams.size() * (limits.max_input_before_output + (64u << 10)));
  std::vector<std::byte> cut = {std::byte{0x1f}, std::byte{0x8b}, std::byte{0x08}, std::byte{0x08}, std::byte{1}, std::byte{1},
                                std::byte{1},    std::byte{1},    std::byte{2},    std::byte{3},    std::byte{'a'}};
  const auto at_end = find_streams(cut, 0, 1);
  ASSERT_EQ(at_end.size(), 1u);
  EXPECT_EQ(at_end[0].data_offset, 0u);
}

// A real gzip member, its header with every optional field, decodes through the parsed header.
TEST(Decoders, AGzipMemberWithEveryHeaderFieldDecodes) {
  const std::string text(4000, 'x');
  std::vector<std::byte> member = {std::byte{0x1f}, std::byte{0x8b}, std::byte{8}, std::byte{0x1e}, std::byte{0}, std::byte{0},
                                   std::byte{0},    std::byte{0},    std::byte{2}, std::byte{3},    std::byte{3}, std::byte{0},
                                   std::byte{'e'},  std::byte{'x'},  std::byte{'t'}};
  for (char c : std::string("name.txt")) member.push_back(static_cast<std::byte>(c));
  member.push_back(std::byte{0});
  for (char c : std::string("a comment")) member.push_back(static_cast<std::byte>(c));
  member.push_back(std::byte{0});
  member.push_back(std::byte{0x12});  // FHCRC (not checked)
  member.push_back(std::byte{0x34});
  const std::size_t header = member.size();
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<std::byte> deflated(8192);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(deflated.data());
  z.avail_out = static_cast<uInt>(deflated.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  deflated.resize(z.total_out);
  deflateEnd(&z);
  member.insert(member.end(), deflated.begin(), deflated.end());
  member.resize(member.size() + 8);  // trailer (not checked)
  const auto streams = find_streams(member, 0, 1);
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].data_offset, header);
  InputReader read = [&](std::span<std::byte> into, std::uint64_t offset) -> std::size_t {
    const std::uint64_t at = streams[0].data_offset + offset;
    if (at >= member.size()) return 0;
    const std::size_t n = std::min<std::size_t>(into.size(), member.size() - at);
    std::memcpy(into.data(), member.data() + at, n);
    return n;
  };
  const auto decoded = inflate_stream(streams[0], read, DecodeLimits{});
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(decoded.data()), decoded.size()), text);
}

}  // namespace
}  // namespace trawl::detail
