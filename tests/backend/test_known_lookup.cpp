// Known-block lookup: the device functor under emulated launch (kernels/known_block_lookup.hpp)
// gives the CPU backend's answers (OpenSSL digests, its own binary search), and both agree with a
// naive reference (a std::map of the known digests), for every block algorithm of a database.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <cstring>
#include <algorithm>
#include <map>

#include "host/backend/backend.hpp"
#include "support/test_support.hpp"
#include "trawl/trawl.hpp"

namespace trawl {
namespace {

using detail::HashAlgorithm;

std::vector<unsigned char> digest_of(HashAlgorithm algorithm, std::span<const std::byte> bytes) {
  const EVP_MD* md = algorithm == HashAlgorithm::md5 ? EVP_md5() : algorithm == HashAlgorithm::sha1 ? EVP_sha1() : EVP_sha256();
  std::vector<unsigned char> out(EVP_MAX_MD_SIZE);
  unsigned size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, md, nullptr);
  out.resize(size);
  return out;
}

struct Case {
  std::vector<std::byte> data;
  std::vector<std::byte> table;  // sorted digests
  std::map<std::vector<unsigned char>, std::uint32_t> index;
};

// Random data with known blocks planted at sector offsets (some block-aligned, some not, one
// running into the margin), and a table of those blocks plus decoys that never occur. The data
// ends less than a block after the page, so the last candidates have no whole block.
Case make_case(HashAlgorithm algorithm, std::uint32_t block_size, std::size_t page_len, std::size_t data_len) {
  Case c;
  c.data = test::random_bytes(data_len, 77);
  std::vector<std::vector<unsigned char>> digests;
  const std::size_t plants[] = {0, block_size + 512, 3 * block_size, 7 * block_size + 1536, page_len - 1536};
  for (std::size_t i = 0; i < std::size(plants); ++i) {
    const auto block = test::random_bytes(block_size, 100 + i);
    const std::size_t at = plants[i];
    std::memcpy(c.data.data() + at, block.data(), std::min<std::size_t>(block_size, data_len - at));
    digests.push_back(digest_of(algorithm, block));
  }
  for (int i = 0; i < 1000; ++i) digests.push_back(digest_of(algorithm, test::random_bytes(block_size, 5000 + i)));
  std::sort(digests.begin(), digests.end());
  for (std::uint32_t i = 0; i < digests.size(); ++i) {
    c.index[digests[i]] = i;
    for (auto b : digests[i]) c.table.push_back(static_cast<std::byte>(b));
  }
  return c;
}

TEST(KnownLookup, EmulatedLaunchEqualsTheCpuBackendAndANaiveReference) {
  auto cpu = detail::make_cpu_backend(1);
  for (auto algorithm : {HashAlgorithm::md5, HashAlgorithm::sha1, HashAlgorithm::sha256})
    for (std::uint32_t step : {512u, 4096u}) {
      const std::uint32_t block_size = 4096;
      const std::size_t page_len = 64 << 10, data_len = page_len + 3000;  // the margin is short: the end of an image
      const Case c = make_case(algorithm, block_size, page_len, data_len);
      const detail::KnownBlockTable table{algorithm, block_size, c.table};
      const std::size_t n = (page_len + step - 1) / step;
      std::vector<std::uint32_t> emulated(n, 7), on_cpu(n, 7), reference(n, detail::known_no_match);
      detail::emulated_known_lookup(table, c.data, page_len, step, emulated);
      cpu->lookup_known_blocks(table, c.data, page_len, step, on_cpu);
      std::size_t found = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t at = i * step;
        if (at + block_size > data_len) continue;
        const auto it = c.index.find(digest_of(algorithm, std::span(c.data).subspan(at, block_size)));
        if (it != c.index.end()) reference[i] = it->second, ++found;
      }
      const std::string what = std::string(detail::info(algorithm).name) + " step " + std::to_string(step);
      EXPECT_EQ(emulated, on_cpu) << what;
      EXPECT_EQ(on_cpu, reference) << what;
      // With a prefix index (the scan's CPU search), of every width: the same answers.
      for (std::uint32_t bits : {0u, 1u, 7u, detail::prefix_bits_for(c.index.size()), 16u}) {
        const auto index = detail::make_prefix_index(c.table, detail::info(algorithm).digest_size, bits);
        const detail::KnownBlockTable indexed{algorithm, block_size, c.table, index, bits};
        std::vector<std::uint32_t> with_index(n, 7);
        cpu->lookup_known_blocks(indexed, c.data, page_len, step, with_index);
        EXPECT_EQ(with_index, reference) << what << " prefix bits " << bits;
      }
      // Step 512 finds every plant; step 4096 only the block-aligned ones.
      EXPECT_EQ(found, step == 512 ? 5u : 2u) << what;
    }
}

TEST(KnownLookup, PrefixIndexPointsAtTheFirstDigestOfEachPrefix) {
  // Digests (2 bytes shown; 4 bytes each) with top-3-bit prefixes 0, 0, 2, 5, 7.
  const unsigned char raw[] = {0x00, 1, 0, 0, 0x1f, 0, 0, 0, 0x40, 0, 0, 0, 0xa0, 0, 0, 0, 0xff, 0, 0, 0};
  const auto digests = std::as_bytes(std::span(raw));
  EXPECT_EQ(detail::make_prefix_index(digests, 4, 3), (std::vector<std::uint32_t>{0, 2, 2, 3, 3, 3, 4, 4, 5}));
  EXPECT_EQ(detail::make_prefix_index(digests, 4, 0), (std::vector<std::uint32_t>{0, 5}));
  EXPECT_EQ(detail::prefix_bits_for(0), 0u);
  EXPECT_EQ(detail::prefix_bits_for(10'000'000), 21u);
  EXPECT_EQ(detail::prefix_bits_for(1ull << 40), 24u);
}

TEST(KnownLookup, AnEmptyTableAndAnEmptyPageFindNothing) {
  auto cpu = detail::make_cpu_backend(1);
  const auto data = test::random_bytes(8192, 1);
  const detail::KnownBlockTable table{HashAlgorithm::sha256, 4096, {}};
  std::vector<std::uint32_t> emulated(16, 7), on_cpu(16, 7);
  detail::emulated_known_lookup(table, data, 8192, 512, emulated);
  cpu->lookup_known_blocks(table, data, 8192, 512, on_cpu);
  EXPECT_EQ(emulated, on_cpu);
  EXPECT_EQ(on_cpu, std::vector<std::uint32_t>(16, detail::known_no_match));
  std::vector<std::uint32_t> none;
  EXPECT_NO_THROW(cpu->lookup_known_blocks(table, data, 0, 512, none));
}

TEST(KnownLookup, TooSmallAnOutputIsAnInternalError) {
  auto cpu = detail::make_cpu_backend(1);
  const auto data = test::random_bytes(8192, 1);
  const detail::KnownBlockTable table{HashAlgorithm::sha256, 4096, {}};
  std::vector<std::uint32_t> out(15);
  try {
    cpu->lookup_known_blocks(table, data, 8192, 512, out);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal);
  }
}

}  // namespace
}  // namespace trawl
