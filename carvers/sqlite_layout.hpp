// What a SQLite database's own structure says each of its pages is: the b-trees from the schema
// (page 1) and the roots it lists, their overflow chains, the freelist, the lock page and, with
// auto-vacuum, the pointer-map pages. The carver's walk (carvers/sqlite.cpp) is valid only when
// every page is claimed exactly once and every claimed page checks out; reassembly
// (carvers/reassemble.cpp) uses what the pages before a break expect of the pages after it.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "carvers/byte_view.hpp"

namespace trawl::carvers {

enum class SqlitePage : std::uint8_t { unknown, table, index, overflow, free_trunk, free_leaf, lock, ptrmap };

struct SqliteLayout {
  std::uint64_t page = 0, pages = 0, usable = 0;
  // Per page number (index 0 unused): what the page was claimed as, by which page (0: the
  // header), and for table b-tree pages the key range (lo, hi] its parent gives it.
  std::vector<SqlitePage> kind;
  std::vector<std::uint32_t> from;
  std::unordered_map<std::uint32_t, std::pair<std::int64_t, std::int64_t>> range;
  // The smallest page number that failed a check (of a check between a page and the page that
  // refers to it, the larger of the two: pages of one fragment then fail only with the other's);
  // 0 when none did.
  std::uint64_t first_bad = 0;
  bool complete = true;  // every root was read from the schema (else unclaimed pages are not counted)
};

// Reads the layout of the database at view position 0. nullopt: the header is not a database
// header this walk trusts (its page count not current, not a power-of-two page size...).
// Reads past the view throw EndOfView.
std::optional<SqliteLayout> sqlite_layout(const ByteView& v);

// Whether the page at view position pos could be page q of layout l: the kind the layout expects
// for it (a b-tree page of its kind whose header holds and whose first key lies in its range; an
// overflow or freelist-trunk page naming a page of the database or none). For a page whose kind
// is not known, true.
bool sqlite_page_fits(const ByteView& v, std::uint64_t pos, const SqliteLayout& l, std::uint64_t q);

}  // namespace trawl::carvers
