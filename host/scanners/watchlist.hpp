// Watchlists: identifiers investigators already know (numbers and ad IDs from monitoring the
// ads, addresses), normalised the same way as found identifiers, so that any spelling matches.
//
// File: one entry per line, "VALUE<TAB>LABEL" or "VALUE,LABEL" or just "VALUE"; '#' starts a
// comment line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "host/scanners/validators.hpp"

namespace trawl::detail {

struct WatchEntry {
  std::string value;       // as written in the file
  std::string label;
  std::string normalised;  // the key a found identifier must have
  std::uint64_t hits = 0;
};

class Watchlist {
 public:
  Watchlist() = default;
  Watchlist(const std::string& path, const Validators& validators);
  // The entry whose key is `normalised`, or nullptr.
  WatchEntry* find(const std::string& normalised);
  const std::vector<WatchEntry>& entries() const { return entries_; }
  const std::string& path() const { return path_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::string path_;
  std::vector<WatchEntry> entries_;
  std::map<std::string, std::size_t> by_key_;
};

}  // namespace trawl::detail
