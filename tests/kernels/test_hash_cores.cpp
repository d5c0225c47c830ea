// Host tests of the header-only hash cores (kernels/*.hpp) against published vectors, OpenSSL and
// libxxhash. The device runs the very same code (see kernels/launch.hpp), so these also vouch for
// the CUDA kernels' arithmetic.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <xxhash.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/block_hash.hpp"
#include "kernels/launch.hpp"
#include "kernels/md5.hpp"
#include "kernels/sha1.hpp"
#include "kernels/sha256.hpp"
#include "kernels/xxh64.hpp"

namespace {

using trawl::kernels::BlockHashItem;
using trawl::kernels::emulated_launch;
using trawl::kernels::Md5;
using trawl::kernels::Sha1;
using trawl::kernels::Sha256;
using trawl::kernels::Xxh64;

using Bytes = std::vector<unsigned char>;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string hex(const Bytes& b) { return hex(b.data(), b.size()); }

Bytes random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<unsigned char>(rng());
  return b;
}

// Reference implementation for each hasher: OpenSSL EVP or libxxhash, same digest bytes.
template <class H>
struct Reference;

Bytes evp_digest(const EVP_MD* md, const unsigned char* p, size_t n) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(p, n, out.data(), &len, md, nullptr) != 1) ADD_FAILURE() << "EVP_Digest failed";
  out.resize(len);
  return out;
}

template <>
struct Reference<Md5> {
  static Bytes digest(const unsigned char* p, size_t n) { return evp_digest(EVP_md5(), p, n); }
};
template <>
struct Reference<Sha1> {
  static Bytes digest(const unsigned char* p, size_t n) { return evp_digest(EVP_sha1(), p, n); }
};
template <>
struct Reference<Sha256> {
  static Bytes digest(const unsigned char* p, size_t n) { return evp_digest(EVP_sha256(), p, n); }
};
template <>
struct Reference<Xxh64> {
  static Bytes digest(const unsigned char* p, size_t n) {
    XXH64_canonical_t c;
    XXH64_canonicalFromHash(&c, XXH64(p, n, 0));
    return Bytes(c.digest, c.digest + sizeof c.digest);
  }
};

template <class H>
Bytes one_shot(const unsigned char* p, size_t n) {
  Bytes out(H::digest_size);
  H::digest(p, n, out.data());
  return out;
}

// Streams p[0, n) in pieces of random lengths in [0, max_piece], empty pieces included.
template <class H>
Bytes streamed(const unsigned char* p, size_t n, std::mt19937_64& rng, size_t max_piece) {
  H h;
  h.init();
  std::uniform_int_distribution<size_t> piece(0, max_piece);
  for (size_t done = 0; done < n;) {
    const size_t k = std::min(piece(rng), n - done);
    h.update(p + done, k);
    done += k;
  }
  Bytes out(H::digest_size);
  h.final(out.data());
  return out;
}

template <class H>
Bytes byte_by_byte(const unsigned char* p, size_t n) {
  H h;
  h.init();
  for (size_t i = 0; i < n; ++i) h.update(p + i, 1);
  Bytes out(H::digest_size);
  h.final(out.data());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Published test vectors (RFC 1321, FIPS 180-4 examples / NIST CSRC).

constexpr std::string_view kAbc = "abc";
constexpr std::string_view k448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr std::string_view k896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
    "mnopqrstnopqrstu";

struct Vectors {
  const char* empty;
  const char* abc;
  const char* m448;
  const char* m896;
  const char* million_a;
};

template <class H>
void check_vectors(const Vectors& v) {
  const auto h = [](std::string_view s) { return hex(one_shot<H>(bytes_of(s), s.size())); };
  EXPECT_EQ(h(""), v.empty);
  EXPECT_EQ(h(kAbc), v.abc);
  EXPECT_EQ(h(k448), v.m448);
  EXPECT_EQ(h(k896), v.m896);
  const std::string million(1000000, 'a');
  EXPECT_EQ(h(million), v.million_a);
  // The same million 'a's streamed in 1000-byte pieces, as in the FIPS 180 example.
  H s;
  s.init();
  for (int i = 0; i < 1000; ++i) s.update(bytes_of(million) + 1000 * i, 1000);
  Bytes out(H::digest_size);
  s.final(out.data());
  EXPECT_EQ(hex(out), v.million_a);
}

TEST(HashVectors, Md5) {
  check_vectors<Md5>({"d41d8cd98f00b204e9800998ecf8427e", "900150983cd24fb0d6963f7d28e17f72",
                      "8215ef0796a20bcaaae116d3876c664a", "03dd8807a93175fb062dfb55dc7d359c",
                      "7707d6ae4e027c70eea2a935c2296f21"});
}

TEST(HashVectors, Sha1) {
  check_vectors<Sha1>({"da39a3ee5e6b4b0d3255bfef95601890afd80709",
                       "a9993e364706816aba3e25717850c26c9cd0d89d",
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
                       "a49b2446a02c645bf419f995b67091253a04a259",
                       "34aa973cd4c4daa4f61eeb2bdbad27316534016f"});
}

TEST(HashVectors, Sha256) {
  check_vectors<Sha256>({"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
                         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"});
}

TEST(HashVectors, Xxh64KnownValues) {
  // XXH64 of the empty input, seed 0 (xxhsum -H1 /dev/null).
  EXPECT_EQ(Xxh64::hash(nullptr, 0), 0xef46db3751d8e999ull);
  EXPECT_EQ(hex(one_shot<Xxh64>(nullptr, 0)), "ef46db3751d8e999");
}

TEST(HashVectors, Xxh64MatchesLibxxhashWithSeeds) {
  const Bytes data = random_bytes(1000, 7);
  for (const uint64_t seed : {0ull, 1ull, 0x9E3779B185EBCA87ull, ~0ull}) {
    for (const size_t n : {size_t{0}, size_t{3}, size_t{31}, size_t{32}, size_t{33}, size_t{1000}}) {
      SCOPED_TRACE(testing::Message() << "seed " << seed << " n " << n);
      const uint64_t want = XXH64(data.data(), n, seed);
      EXPECT_EQ(Xxh64::hash(data.data(), n, seed), want);

      Xxh64 h;
      h.init(seed);
      h.update(data.data(), n / 2);
      h.update(data.data() + n / 2, n - n / 2);
      EXPECT_EQ(h.value(), want);

      XXH64_canonical_t c;
      XXH64_canonicalFromHash(&c, want);
      Bytes out(8);
      h.final(out.data());
      EXPECT_EQ(out, Bytes(c.digest, c.digest + 8));
      Xxh64::digest(data.data(), n, out.data(), seed);
      EXPECT_EQ(out, Bytes(c.digest, c.digest + 8));
    }
  }
}

TEST(HashVectors, Xxh64ValueDoesNotDisturbStreaming) {
  const Bytes data = random_bytes(100, 8);
  Xxh64 h;
  h.init();
  h.update(data.data(), 40);
  EXPECT_EQ(h.value(), XXH64(data.data(), 40, 0));
  h.update(data.data() + 40, 60);
  EXPECT_EQ(h.value(), XXH64(data.data(), 100, 0));
}

// ---------------------------------------------------------------------------------------------
// Every hasher against its reference on random data.

template <class H>
class HashCore : public testing::Test {};

using Hashers = testing::Types<Md5, Sha1, Sha256, Xxh64>;
TYPED_TEST_SUITE(HashCore, Hashers);

// Lengths 0..300 cover every padding case (tail below, at and past the length field, one and two
// padding blocks) several times over; 4095..4097 straddle a typical page block.
std::vector<size_t> test_lengths() {
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 300; ++n) lengths.push_back(n);
  for (const size_t n : {4095, 4096, 4097}) lengths.push_back(n);
  return lengths;
}

TYPED_TEST(HashCore, OneShotMatchesReference) {
  for (const size_t n : test_lengths()) {
    const Bytes data = random_bytes(n, 1000 + n);
    EXPECT_EQ(hex(one_shot<TypeParam>(data.data(), n)),
              hex(Reference<TypeParam>::digest(data.data(), n)))
        << "length " << n;
  }
}

TYPED_TEST(HashCore, OneShotEqualsStreamedEqualsByteByByte) {
  std::mt19937_64 rng(42);
  for (const size_t n : test_lengths()) {
    const Bytes data = random_bytes(n, 2000 + n);
    const Bytes want = one_shot<TypeParam>(data.data(), n);
    EXPECT_EQ(hex(streamed<TypeParam>(data.data(), n, rng, 7)), hex(want)) << "length " << n;
    EXPECT_EQ(hex(streamed<TypeParam>(data.data(), n, rng, 150)), hex(want)) << "length " << n;
    EXPECT_EQ(hex(byte_by_byte<TypeParam>(data.data(), n)), hex(want)) << "length " << n;
  }
}

TYPED_TEST(HashCore, UnalignedInput) {
  // The cores read bytes, never words: any start address must give the same digest.
  const Bytes data = random_bytes(300, 3);
  const Bytes want = one_shot<TypeParam>(data.data() + 8, 200);
  for (size_t shift = 1; shift < 8; ++shift) {
    Bytes copy(data.begin() + 8, data.begin() + 208);
    Bytes shifted(shift, 0);
    shifted.insert(shifted.end(), copy.begin(), copy.end());
    EXPECT_EQ(hex(one_shot<TypeParam>(shifted.data() + shift, 200)), hex(want)) << "shift " << shift;
  }
}

// ---------------------------------------------------------------------------------------------
// The block-hash functor under the emulated launch: the same code path as the CUDA kernel.

template <class H>
void check_block_hash(const Bytes& data, uint32_t block_size) {
  BlockHashItem<H> item{data.data(), data.size(), block_size, nullptr};
  const uint64_t blocks = item.count();
  ASSERT_EQ(blocks, (data.size() + block_size - 1) / block_size);
  Bytes out(blocks * H::digest_size);
  item.out = out.data();
  emulated_launch(blocks, item);
  for (uint64_t b = 0; b < blocks; ++b) {
    const size_t offset = b * block_size;
    const size_t len = std::min<size_t>(block_size, data.size() - offset);
    const Bytes want = Reference<H>::digest(data.data() + offset, len);
    ASSERT_EQ(hex(out.data() + b * H::digest_size, H::digest_size), hex(want))
        << "block " << b << " of " << blocks << " (" << len << " bytes)";
  }
}

TYPED_TEST(HashCore, BlockHashItemMatchesReferencePerBlock) {
  const Bytes data = random_bytes((1u << 20) + 123, 99);  // partial last block for both sizes
  for (const uint32_t block_size : {512u, 4096u}) {
    SCOPED_TRACE(testing::Message() << "block size " << block_size);
    check_block_hash<TypeParam>(data, block_size);
  }
}

TYPED_TEST(HashCore, BlockHashItemIgnoresItemsPastTheEnd) {
  const Bytes data = random_bytes(1000, 5);
  Bytes out(3 * TypeParam::digest_size, 0xAA);
  BlockHashItem<TypeParam> item{data.data(), data.size(), 512, out.data()};
  ASSERT_EQ(item.count(), 2u);
  emulated_launch(3, item);  // one item too many, as a rounded-up grid would run
  EXPECT_EQ(hex(out.data(), TypeParam::digest_size),
            hex(Reference<TypeParam>::digest(data.data(), 512)));
  EXPECT_EQ(hex(out.data() + TypeParam::digest_size, TypeParam::digest_size),
            hex(Reference<TypeParam>::digest(data.data() + 512, 488)));
  EXPECT_EQ(Bytes(out.begin() + 2 * TypeParam::digest_size, out.end()),
            Bytes(TypeParam::digest_size, 0xAA));
}

TEST(BlockHashItem, EmptyPageHasNoBlocks) {
  EXPECT_EQ(BlockHashItem<Sha256>::block_count(0, 4096), 0u);
  EXPECT_EQ(BlockHashItem<Sha256>::block_count(4096, 4096), 1u);
  EXPECT_EQ(BlockHashItem<Sha256>::block_count(4097, 4096), 2u);
}

TEST(EmulatedLaunch, VisitsEveryIndexOnce) {
  std::vector<int> hits(1000, 0);
  struct Mark {
    int* hits;
    void operator()(uint64_t i) const { ++hits[i]; }
  };
  emulated_launch(hits.size(), Mark{hits.data()});
  EXPECT_EQ(std::count(hits.begin(), hits.end(), 1), 1000);
  emulated_launch(0, Mark{nullptr});  // n == 0 runs nothing
}

}  // namespace
