// The signature searchers against each other and against a naive reference: Hyperscan (CPU
// path), the kernel's functor through emulated_launch (what the GPU runs), and a plain loop.
// Signatures are planted at the page's edges (0, page-1, page, page+margin-1) and overlapping.
#include <gtest/gtest.h>

#include "carvers/carver.hpp"
#include "host/backend/signature_search.hpp"
#include "support/test_support.hpp"

namespace trawl::test {
namespace {

using detail::SignatureHit;
using detail::SignatureQuery;
using detail::SignatureSet;

std::vector<SignatureSet::Entry> all_entries() {
  std::vector<SignatureSet::Entry> entries;
  auto specs = carvers::all_carvers();
  for (std::size_t f = 0; f < specs.size(); ++f)
    for (const auto& s : specs[f]->signatures) entries.push_back({static_cast<std::uint16_t>(f), s.bytes, s.mask, s.offset, s.align});
  return entries;
}

// The reference: every start in the page, every entry, byte by byte.
std::vector<SignatureHit> naive(const std::vector<SignatureSet::Entry>& entries, const SignatureQuery& q) {
  std::vector<SignatureHit> hits;
  for (std::uint64_t s = 0; s < q.page_len; ++s) {
    if (q.align > 1 && (q.offset + s) % q.align) continue;
    for (const auto& e : entries) {
      if (e.align > 1 && (q.offset + s) % e.align) continue;
      const std::uint64_t at = s + e.offset;
      if (at + e.bytes.size() > q.data.size()) continue;
      bool match = true;
      for (std::size_t j = 0; j < e.bytes.size() && match; ++j) {
        const auto mask = e.mask.empty() ? 0xFF : static_cast<unsigned char>(e.mask[j]);
        match = ((std::to_integer<unsigned char>(q.data[at + j]) ^ static_cast<unsigned char>(e.bytes[j])) & mask) == 0;
      }
      if (match) hits.push_back({q.offset + s, e.format});
    }
  }
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  return hits;
}

void plant(std::vector<std::byte>& data, std::size_t start, const SignatureSet::Entry& e) {
  for (std::size_t j = 0; j < e.bytes.size(); ++j)
    if (start + e.offset + j < data.size()) data[start + e.offset + j] = static_cast<std::byte>(e.bytes[j]);
}

TEST(SignatureSearch, CpuEmulatedLaunchAndNaiveSearchAgreeAtPageEdges) {
  const auto entries = all_entries();
  const SignatureSet set(entries);
  struct Geometry {
    std::size_t page, margin;
  };
  for (auto g : {Geometry{4096, 512}, Geometry{4096, 16}, Geometry{65536, 4096}, Geometry{1000, 64}}) {
    for (std::uint32_t align : {1u, 512u}) {
      for (std::uint64_t base : {0ull, 4096ull, 1ull << 33}) {
        auto data = random_bytes(g.page + g.margin, g.page * 7 + align + base);
        std::size_t k = 0;
        for (std::size_t start : {std::size_t{0}, std::size_t{1}, g.page / 2, g.page - 1, g.page, g.page + g.margin - 1, std::size_t{512},
                                  g.page - 2})
          plant(data, start, entries[k++ % entries.size()]);
        for (std::size_t i = 0; i < entries.size(); ++i) plant(data, 64 + 24 * i, entries[i]);  // one of each
        plant(data, 3, entries[0]);
        plant(data, 5, entries[0]);  // overlapping matches of the same signature
        const SignatureQuery q{data, g.page, base, align};
        const auto reference = naive(entries, q);
        EXPECT_EQ(set.find_cpu(q), reference) << "page " << g.page << " align " << align;
        EXPECT_EQ(set.find_emulated(q), reference) << "page " << g.page << " align " << align;
        for (const auto& h : reference) {
          EXPECT_LT(h.offset - base, g.page);  // never a start in the margin
          if (align > 1) EXPECT_EQ(h.offset % align, 0u);
        }
        // Every signature planted off a sector is found, except those that want a sector.
        const auto anywhere = std::count_if(entries.begin(), entries.end(), [](const auto& e) { return e.align <= 1; });
        if (align == 1) EXPECT_GE(reference.size(), static_cast<std::size_t>(anywhere));
      }
    }
  }
}

// A signature with its own alignment (MP3 and ADTS frame syncs: 512) is a hit only at absolute
// offsets that are multiples of it, in every searcher, whatever the page's base.
TEST(SignatureSearch, ASignatureWithItsOwnAlignmentIsAHitOnlyThere) {
  const std::vector<SignatureSet::Entry> entries{{0, "\xFF\xFB", {}, 0, 512}, {1, "ID3", {}, 0, 1}};
  const SignatureSet set(entries);
  for (std::uint64_t base : {0ull, 4096ull, 4096ull + 100, 1ull << 33}) {
    auto data = random_bytes(8192 + 64, base + 1);
    for (std::size_t start : {std::size_t{100}, std::size_t{412}, std::size_t{512}, std::size_t{1024}, std::size_t{4000}}) {
      plant(data, start, entries[0]);
      plant(data, start + 50, entries[1]);
    }
    const SignatureQuery q{data, 8192, base, 1};
    const auto reference = naive(entries, q);
    EXPECT_EQ(set.find_cpu(q), reference) << base;
    EXPECT_EQ(set.find_emulated(q), reference) << base;
    int syncs = 0, tags = 0;
    for (const auto& h : reference) {
      if (h.format == 0) EXPECT_EQ(h.offset % 512, 0u) << h.offset;
      (h.format == 0 ? syncs : tags) += 1;
    }
    EXPECT_GE(tags, 5);
    EXPECT_GE(syncs, base % 512 == 0 ? 2 : 1);  // 512 and 1024 from an aligned base; from base+100: 412
  }
}

TEST(SignatureSearch, ASignatureCutByTheEndOfTheDataIsNotAHit) {
  const auto entries = all_entries();
  const SignatureSet set(entries);
  std::vector<std::byte> data(100, std::byte{0});
  const auto& png = *std::find_if(entries.begin(), entries.end(), [](auto& e) { return e.bytes.size() == 8 && e.bytes[1] == 'P'; });
  plant(data, 95, png);  // only 5 of 8 bytes fit
  const SignatureQuery q{data, data.size(), 0, 1};
  EXPECT_TRUE(set.find_cpu(q).empty());
  EXPECT_TRUE(set.find_emulated(q).empty());
}

TEST(SignatureSearch, MaskedBytesMatchEveryValueTheyAllow) {
  // The WAL signature's last magic byte is 0x82 or 0x83 (checksum byte order): one masked entry.
  const auto* wal = carvers::find_carver("sqlite-wal");
  ASSERT_NE(wal, nullptr);
  std::vector<SignatureSet::Entry> entries{{0, wal->signatures[0].bytes, wal->signatures[0].mask, 0}};
  const SignatureSet set(entries);
  for (unsigned char last : {0x82, 0x83, 0x80}) {
    std::vector<std::byte> data(64, std::byte{0});
    plant(data, 10, entries[0]);
    data[13] = static_cast<std::byte>(last);
    const SignatureQuery q{data, data.size(), 0, 1};
    const bool expected = last != 0x80;
    EXPECT_EQ(set.find_cpu(q).size(), expected ? 1u : 0u) << int(last);
    EXPECT_EQ(set.find_emulated(q).size(), expected ? 1u : 0u) << int(last);
  }
}

// carvers::matches_at (what reassembly asks of a view, also across the seam of a two-piece view)
// and the search agree at every start: one masked comparison (kernels::masked_equal) serves both.
TEST(SignatureSearch, ReassemblysMatchOnAViewAgreesWithTheSearch) {
  const auto entries = all_entries();
  const SignatureSet set(entries);
  auto data = random_bytes(8192, 77);
  for (std::size_t i = 0; i < entries.size(); ++i) plant(data, 40 * i, entries[i]);
  for (std::size_t i = 0; i < entries.size(); ++i) plant(data, 4096 - 3 + 7 * i, entries[i]);
  const SignatureQuery q{data, data.size(), 0, 1};
  const auto found = set.find_cpu(q);
  // The same bytes as two runs: [0, 4096) then [4096, 8192), so signatures near 4096 span a seam.
  const carvers::ByteView whole(data), pieces(data, {{0, 4096}, {4096, 4096}});
  auto specs = carvers::all_carvers();
  std::size_t matched = 0;
  for (std::size_t f = 0; f < specs.size(); ++f) {
    for (std::uint64_t s = 0; s < data.size(); ++s) {
      bool any = false;
      for (const auto& sig : specs[f]->signatures) {
        const bool m = carvers::matches_at(sig, whole, s);
        EXPECT_EQ(m, carvers::matches_at(sig, pieces, s)) << specs[f]->type << " at " << s;
        any = any || (m && (sig.align <= 1 || s % sig.align == 0));
      }
      const bool searched = std::binary_search(found.begin(), found.end(), SignatureHit{s, static_cast<std::uint16_t>(f)});
      EXPECT_EQ(any, searched) << specs[f]->type << " at " << s;
      matched += any;
    }
  }
  EXPECT_GE(matched, entries.size());  // every planted signature at least
  // A flipped exact byte is no match; past the view's end is no match.
  const auto& jpeg = carvers::find_carver("jpeg")->signatures[0];
  auto flipped = data;
  plant(flipped, 100, {0, jpeg.bytes, jpeg.mask, jpeg.offset, 1});
  EXPECT_TRUE(carvers::matches_at(jpeg, carvers::ByteView(flipped), 100));
  flipped[100] ^= std::byte{1};
  EXPECT_FALSE(carvers::matches_at(jpeg, carvers::ByteView(flipped), 100));
  EXPECT_FALSE(carvers::matches_at(jpeg, whole, data.size() - 1));
}

TEST(SignatureSearch, ExtentCoversTheSignatureAtAnOffset) {
  const auto entries = all_entries();
  const SignatureSet set(entries);
  EXPECT_EQ(set.extent(), 16u);  // "SQLite format 3\0"; ISO-BMFF's "ftyp" at 4 reaches 8
}

}  // namespace
}  // namespace trawl::test
