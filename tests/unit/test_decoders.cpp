// The decoders' bounds on hostile input (host/decoders/inflate.cpp).
#include <gtest/gtest.h>

#include <cstring>

#include "host/decoders/inflate.hpp"

namespace trawl::detail {
namespace {

// Found with bench/make_worst_case.py: a gzip header with FNAME set and no NUL after it made
// zlib read on to the image's end for every "1F 8B 08" candidate, quadratic in the image.
TEST(Decoders, AGzipHeaderWhoseNameNeverEndsStopsReadingEarly) {
  std::vector<std::byte> image(8 << 20);
  const unsigned char pattern[] = {0x1f, 0x8b, 0x08};
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::byte>(pattern[i % 3]);
  const auto streams = find_streams(image, 0, 3000);
  ASSERT_EQ(streams.size(), 1000u);
  DecodeLimits limits;
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
  // At most the bound plus one read piece per candidate, not the 8 MiB after it.
  EXPECT_LE(read_bytes, streams.size() * (limits.max_input_before_output + (64u << 10)));
}

}  // namespace
}  // namespace trawl::detail
