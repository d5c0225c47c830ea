#include "host/scanners/watchlist.hpp"

#include <fstream>

#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

Watchlist::Watchlist(const std::string& path, const Validators& validators) : path_(path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::input, "cannot open watchlist " + in_quotes(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    auto split = line.find('\t');
    if (split == std::string::npos) split = line.find(',');
    WatchEntry e;
    e.value = line.substr(first, split == std::string::npos ? std::string::npos : split - first);
    while (!e.value.empty() && e.value.back() == ' ') e.value.pop_back();
    if (split != std::string::npos) e.label = line.substr(split + 1);
    e.normalised = validators.normalise_watch_entry(e.value);
    if (by_key_.count(e.normalised)) continue;  // the same identifier written twice
    by_key_[e.normalised] = entries_.size();
    entries_.push_back(std::move(e));
  }
}

WatchEntry* Watchlist::find(const std::string& normalised) {
  auto it = by_key_.find(normalised);
  return it == by_key_.end() ? nullptr : &entries_[it->second];
}

}  // namespace trawl::detail
