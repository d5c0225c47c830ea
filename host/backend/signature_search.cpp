#include "host/backend/signature_search.hpp"


#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

#include "host/backend/backend.hpp"
#include "host/scanners/hyperscan.hpp"
#include "kernels/launch.hpp"

namespace trawl::detail {
namespace {

const unsigned char* bytes_of(std::span<const std::byte> s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Sorted by (offset, format), one hit per pair: a format with several signatures that match the
// same start reports it once.
void normalise(std::vector<SignatureHit>& hits) {
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
}

bool aligned(const SignatureQuery& q, std::uint64_t start) { return q.align <= 1 || (q.offset + start) % q.align == 0; }

}  // namespace

// The compiled literal database (immutable, shared) and a pool of scratch spaces, one per
// concurrent caller (Hyperscan: compile once, scratch per thread; host/scanners/hyperscan.hpp).
struct SignatureSet::Hyperscan {
  struct Anchor {
    std::uint32_t pattern;  // index into the table
    std::uint32_t at;       // where the anchor lies inside the pattern's bytes
  };
  HsDatabase database;                        // null when the set has no signature
  std::unique_ptr<ScratchPool> scratch;
  std::vector<std::vector<Anchor>> anchors;  // by literal id: every pattern that has this anchor
  std::vector<std::uint32_t> anchor_len;     // by literal id
  // Patterns with an alignment of their own (MP3/ADTS frame syncs: 512) are not in the database:
  // their short literals would make Hyperscan confirm a match every few KiB of any data, while
  // the starts they allow are few; find_cpu tests them at those starts directly.
  // They are grouped by (alignment, offset), each group with the byte values that the first byte
  // of one of its patterns allows: most aligned starts are turned down by one lookup.
  struct Strided {
    std::uint16_t align, offset;
    std::vector<std::uint32_t> patterns;  // indices into the table
    std::array<bool, 256> first{};
  };
  std::vector<Strided> strided;
};

SignatureSet::SignatureSet(std::span<const Entry> entries) : hyperscan_(std::make_unique<Hyperscan>()) {
  if (entries.size() > kernels::max_signatures) throw std::invalid_argument("too many signatures");
  std::map<std::string, std::uint32_t> literal_ids;
  std::vector<std::string> literals;
  for (const auto& e : entries) {
    if (e.bytes.empty() || e.bytes.size() > 16 || (!e.mask.empty() && e.mask.size() != e.bytes.size()))
      throw std::invalid_argument("a signature has 1 to 16 bytes and a mask of the same length");
    auto& p = table_.patterns[table_.count];
    const auto k = table_.count++;
    std::memset(&p, 0, sizeof p);
    p.len = static_cast<std::uint8_t>(e.bytes.size());
    p.offset = e.offset;
    p.format = e.format;
    p.align = std::max<std::uint16_t>(e.align, 1);
    for (std::size_t j = 0; j < e.bytes.size(); ++j) {
      p.mask[j] = e.mask.empty() ? 0xFF : static_cast<unsigned char>(e.mask[j]);
      p.bytes[j] = static_cast<unsigned char>(e.bytes[j]) & p.mask[j];
    }
    extent_ = std::max<std::size_t>(extent_, e.offset + e.bytes.size());
    // The anchor: the longest run of bytes that must match exactly.
    std::uint32_t best_at = 0, best_len = 0;
    for (std::uint32_t j = 0; j < p.len;) {
      std::uint32_t n = 0;
      while (j + n < p.len && p.mask[j + n] == 0xFF) ++n;
      if (n > best_len) best_at = j, best_len = n;
      j += n ? n : 1;
    }
    if (best_len == 0) throw std::invalid_argument("a signature needs at least one exact byte");
    if (p.align > 1) {
      auto& groups = hyperscan_->strided;
      auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.align == p.align && x.offset == p.offset; });
      if (g == groups.end()) g = groups.insert(groups.end(), Hyperscan::Strided{p.align, p.offset, {}, {}});
      g->patterns.push_back(k);
      for (unsigned b = 0; b < 256; ++b)
        if ((b & p.mask[0]) == p.bytes[0]) g->first[b] = true;
      continue;
    }
    std::string literal(reinterpret_cast<const char*>(p.bytes + best_at), best_len);
    auto [it, added] = literal_ids.emplace(literal, static_cast<std::uint32_t>(literals.size()));
    if (added) {
      literals.push_back(literal);
      hyperscan_->anchors.emplace_back();
      hyperscan_->anchor_len.push_back(best_len);
    }
    hyperscan_->anchors[it->second].push_back({k, best_at});
  }
  if (literals.empty()) return;  // strided patterns alone need no database
  std::vector<HsExpression> expressions;
  for (const auto& literal : literals) expressions.push_back({literal, 0, "signature literal"});
  hyperscan_->database = compile_literal_database(expressions);
  hyperscan_->scratch = std::make_unique<ScratchPool>(hyperscan_->database.get());
}

SignatureSet::~SignatureSet() = default;

std::vector<SignatureHit> SignatureSet::find_cpu(const SignatureQuery& q) const {
  std::vector<SignatureHit> hits;
  if (q.data.empty()) return hits;
  const auto* data = bytes_of(q.data);
  for (const auto& g : hyperscan_->strided) {
    // The first start in the page at an absolute multiple of g.align, then every g.align bytes.
    for (std::uint64_t start = (g.align - q.offset % g.align) % g.align; start < q.page_len; start += g.align) {
      const std::uint64_t at = start + g.offset;
      if (at >= q.data.size() || !g.first[data[at]] || !aligned(q, start)) continue;
      for (const auto k : g.patterns)
        if (kernels::signature_matches(table_.patterns[k], data, q.data.size(), start))
          hits.push_back({q.offset + start, table_.patterns[k].format});
    }
  }
  if (!hyperscan_->database) {
    normalise(hits);
    return hits;
  }
  struct Context {
    const SignatureSet* set;
    const SignatureQuery* query;
    std::vector<SignatureHit>* hits;
  } context{this, &q, &hits};
  auto on_match = [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) -> int {
    auto& c = *static_cast<Context*>(ctx);
    const auto& hs = *c.set->hyperscan_;
    const std::uint64_t anchor = to - hs.anchor_len[id];
    for (const auto& a : hs.anchors[id]) {
      const auto& p = c.set->table_.patterns[a.pattern];
      if (anchor < a.at + std::uint64_t{p.offset}) continue;  // the file would start before the data
      const std::uint64_t start = anchor - a.at - p.offset;
      if (start >= c.query->page_len || !aligned(*c.query, start)) continue;
      if (kernels::signature_aligned(p, c.query->offset + start) &&
          kernels::signature_matches(p, bytes_of(c.query->data), c.query->data.size(), start))
        c.hits->push_back({c.query->offset + start, p.format});
    }
    return 0;
  };
  auto scratch = hyperscan_->scratch->borrow();
  // Hyperscan takes an unsigned length: pages are at most 4 GiB (checked with the options).
  const hs_error_t rc = hs_scan(hyperscan_->database.get(), reinterpret_cast<const char*>(q.data.data()),
                                static_cast<unsigned>(q.data.size()), 0, scratch.get(), on_match, &context);
  if (rc != HS_SUCCESS) throw std::runtime_error("hs_scan failed with code " + std::to_string(rc));
  normalise(hits);
  return hits;
}

std::vector<SignatureHit> SignatureSet::find_emulated(const SignatureQuery& q) const {
  kernels::SignatureStripeItem item{};
  item.table = table_;
  item.data = bytes_of(q.data);
  item.data_len = q.data.size();
  item.starts = q.page_len;
  item.base = q.offset;
  item.align = q.align;
  std::vector<std::uint64_t> words(item.count());
  item.out = words.data();
  kernels::emulated_launch(item.count(), item);
  return hits_from_stripes(q, words);
}

std::vector<SignatureHit> SignatureSet::hits_from_stripes(const SignatureQuery& q, std::span<const std::uint64_t> words) const {
  std::vector<SignatureHit> hits;
  for (std::size_t i = 0; i < words.size(); ++i) {
    for (std::uint64_t w = words[i]; w; w &= w - 1) {
      const std::uint64_t start = i * 64 + static_cast<unsigned>(__builtin_ctzll(w));
      if (start >= q.page_len || !aligned(q, start)) continue;
      for (std::uint32_t k = 0; k < table_.count; ++k)
        if (kernels::signature_aligned(table_.patterns[k], q.offset + start) &&
            kernels::signature_matches(table_.patterns[k], bytes_of(q.data), q.data.size(), start))
          hits.push_back({q.offset + start, table_.patterns[k].format});
    }
  }
  normalise(hits);
  return hits;
}

// The default for every backend: the CPU search. A device backend overrides it with the kernel.
std::vector<SignatureHit> Backend::find_signatures(const SignatureSet& set, const SignatureQuery& query,
                                                   const DeviceCopy* /*device*/) {
  return set.find_cpu(query);
}

}  // namespace trawl::detail
