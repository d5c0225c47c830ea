// Signature search over the page of a chunk: which file formats may start where. The table of
// signatures is data (carvers/*.cpp contribute theirs); this compiles it once per scan for two
// searchers that must report the same hits:
//   - the CPU path: Hyperscan in literal mode finds each signature's longest exact run ("anchor"),
//     then the whole signature, mask included, is compared at that place;
//   - the kernel path: kernels::SignatureStripeItem, run by emulated_launch here and by a device
//     backend on its GPU, whose bitmap hits_from_stripes() turns into the same hits.
// Hits are file starts inside the page only (never in the margin), in offset order, optionally
// only at multiples of an alignment.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "kernels/signature_search.hpp"

namespace trawl::detail {

struct SignatureHit {
  std::uint64_t offset = 0;  // absolute image offset of the candidate file's first byte
  std::uint16_t format = 0;  // the Entry::format that matched
  friend auto operator<=>(const SignatureHit&, const SignatureHit&) = default;
};

// One page to search.
struct SignatureQuery {
  std::span<const std::byte> data;  // from the page start: the page, then the margin bytes present
  std::size_t page_len = 0;         // candidate starts are [0, page_len)
  std::uint64_t offset = 0;         // absolute image offset of data[0]
  std::uint32_t align = 1;          // report only starts at multiples of this (1 = all)
};

class SignatureSet {
 public:
  struct Entry {
    std::uint16_t format;
    std::string_view bytes;  // 1..16 bytes
    std::string_view mask;   // empty, or one byte per byte (0x00 = any)
    std::uint16_t offset;    // of the bytes from the file's first byte
    std::uint16_t align = 1;  // only file starts at absolute offsets that are multiples of this
  };
  // Throws std::invalid_argument on a signature without any exact byte, or too many of them.
  explicit SignatureSet(std::span<const Entry> entries);
  ~SignatureSet();
  SignatureSet(const SignatureSet&) = delete;
  SignatureSet& operator=(const SignatureSet&) = delete;

  const kernels::SignatureTable& table() const { return table_; }
  // The furthest byte any signature reaches from a file start: a chunk's margin must hold it.
  std::size_t extent() const { return extent_; }

  // Hyperscan literal search. Thread-safe (a scratch per concurrent caller).
  std::vector<SignatureHit> find_cpu(const SignatureQuery& query) const;
  // kernels::SignatureStripeItem through emulated_launch, then hits_from_stripes.
  std::vector<SignatureHit> find_emulated(const SignatureQuery& query) const;
  // Turns the kernel's words (one per 64 starts) into hits, re-testing each set bit.
  std::vector<SignatureHit> hits_from_stripes(const SignatureQuery& query, std::span<const std::uint64_t> words) const;

 private:
  struct Hyperscan;
  kernels::SignatureTable table_{};
  std::size_t extent_ = 0;
  std::unique_ptr<Hyperscan> hyperscan_;
};

}  // namespace trawl::detail
