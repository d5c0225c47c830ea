// Opens a hash-set store (.ths) and looks up digests read from its own tables: every record's
// digest must be found again, with a set and label from the set table. Shared by the import
// target (the store it just wrote) and the store target (a store as given).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "host/known/hash_set.hpp"

namespace trawl::fuzz {

// Throws what HashSet's constructor throws; aborts when an opened store breaks its promises.
inline void check_hash_set(const std::filesystem::path& path) {
  const detail::HashSet store(path);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  detail::HashSetHeader header;
  std::memcpy(&header, bytes.data(), sizeof header);  // the constructor checked the size
  constexpr std::uint32_t digest_size[3] = {16, 20, 32};
  std::uint64_t at = sizeof header + detail::align8(std::uint64_t{header.set_count} * sizeof(detail::HashSetEntry));
  for (int t = 0; t < 3; ++t) {
    const std::uint64_t record = detail::align8(digest_size[t] + 16);
    if (store.count(t) != header.counts[t]) std::abort();
    // The first few hundred records: enough to reach every branch, bounded in time.
    for (std::uint64_t i = 0; i < header.counts[t] && i < 256; ++i) {
      const auto* digest = reinterpret_cast<const unsigned char*>(bytes.data() + at + i * record);
      const auto hits = store.find({digest, digest_size[t]});
      if (hits.empty()) std::abort();
      for (const auto& hit : hits)
        if (static_cast<std::uint32_t>(hit.label) > 2) std::abort();
    }
    at += detail::align8(header.counts[t] * record);
  }
  // Digests of no known length find nothing.
  const unsigned char odd[7] = {};
  if (!store.find({odd, sizeof odd}).empty()) std::abort();
}

}  // namespace trawl::fuzz
