#include "carvers/sqlite_layout.hpp"

#include <algorithm>
#include <limits>

namespace trawl::carvers {
namespace {

constexpr std::int64_t min_key = std::numeric_limits<std::int64_t>::min(), max_key = std::numeric_limits<std::int64_t>::max();

// SQLite's variable-length integer at pos (1 to 9 bytes); `len` gets its length.
std::uint64_t varint(const ByteView& v, std::uint64_t pos, std::uint64_t& len) {
  std::uint64_t x = 0;
  for (unsigned i = 0; i < 8; ++i) {
    const unsigned b = v.u8(pos + i);
    x = (x << 7) | (b & 0x7F);
    if (!(b & 0x80)) {
      len = i + 1;
      return x;
    }
  }
  len = 9;
  return (x << 8) | v.u8(pos + 8);
}

// Bytes a record column of serial type t takes; nullopt for the reserved types 10 and 11.
std::optional<std::uint64_t> column_size(std::uint64_t t) {
  static constexpr std::uint64_t fixed[] = {0, 1, 2, 3, 4, 6, 8, 8, 0, 0};
  if (t < 10) return fixed[t];
  if (t < 12) return std::nullopt;
  return (t - 12) / 2;
}

struct Node {
  std::uint64_t page, from;
  SqlitePage kind;  // table, index, or unknown for a root named by the schema (its type byte says)
  std::int64_t lo, hi;
  bool schema;
};

class Builder {
 public:
  Builder(const ByteView& v, SqliteLayout& l) : v_(v), l_(l) {}

  void bad(std::uint64_t p) {
    p = std::max<std::uint64_t>(p, 1);
    if (!l_.first_bad || p < l_.first_bad) l_.first_bad = p;
  }

  // Claims page p as kind k for page `from`; false (and a page blamed) when it is out of the
  // database or already claimed.
  bool claim(std::uint64_t p, SqlitePage k, std::uint64_t from) {
    if (p == 0 || p > l_.pages) {
      bad(from);
      return false;
    }
    if (l_.kind[p] != SqlitePage::unknown) {
      bad(std::max<std::uint64_t>(from, l_.from[p]));
      return false;
    }
    l_.kind[p] = k;
    l_.from[p] = static_cast<std::uint32_t>(from);
    return true;
  }

  void freelist() {
    const std::uint64_t per_trunk = l_.usable / 4 - 2;
    std::uint64_t trunk = v_.u32be(32), prev = 0, count = 0;
    while (trunk != 0) {
      if (!claim(trunk, SqlitePage::free_trunk, prev)) return;
      ++count;
      const std::uint64_t at = (trunk - 1) * l_.page, leaves = v_.u32be(at + 4);
      if (leaves > per_trunk) return bad(trunk);
      for (std::uint64_t i = 0; i < leaves; ++i, ++count)
        if (!claim(v_.u32be(at + 8 + 4 * i), SqlitePage::free_leaf, trunk)) return;
      prev = trunk;
      trunk = v_.u32be(at);
    }
    if (count != v_.u32be(36)) bad(std::max<std::uint64_t>(prev, 1));
  }

  // The overflow chain of a payload of `total` bytes whose first `local` lie in page p at
  // `at`, the first overflow page's number after them.
  void overflow(std::uint64_t p, std::uint64_t at, std::uint64_t local, std::uint64_t total) {
    const std::uint64_t per_page = l_.usable - 4;
    const std::uint64_t n = (total - local + per_page - 1) / per_page;
    std::uint64_t prev = p, cur = v_.u32be(at + local);
    for (std::uint64_t j = 0; j < n; ++j) {
      if (!claim(cur, SqlitePage::overflow, prev)) return;
      const std::uint64_t next = v_.u32be((cur - 1) * l_.page);
      if ((j + 1 == n) != (next == 0)) return bad(cur);
      prev = cur;
      cur = next;
    }
  }

  // Checks a cell's payload of `total` bytes at `at` in page p (table leaf or index), its record
  // header and its overflow chain. Returns false when the page fails. `root`: for a schema row,
  // the root page it names (0: none or not readable here).
  bool payload(std::uint64_t p, std::uint64_t at, std::uint64_t total, bool table_leaf, std::uint64_t end, std::uint64_t* root) {
    const std::uint64_t u = l_.usable, m = (u - 12) * 32 / 255 - 23, x = table_leaf ? u - 35 : (u - 12) * 64 / 255 - 23;
    std::uint64_t local = total;
    if (total > x) {
      const std::uint64_t k = m + (total - m) % (u - 4);
      local = k <= x ? k : m;
    }
    if (at + local + (total > local ? 4 : 0) > end) return false;
    // The record: a header of serial types whose sizes add up to the payload.
    std::uint64_t len = 0;
    const std::uint64_t header = varint(v_, at, len);
    if (header < len || header > total) return false;
    if (header <= local) {
      std::uint64_t sum = header, column = 0, value = 0, value_type = 0;
      for (std::uint64_t pos = at + len; pos < at + header; ++column) {
        const std::uint64_t t = varint(v_, pos, len);
        pos += len;
        if (pos > at + header) return false;
        const auto size = column_size(t);
        if (!size) return false;
        if (column == 3) value = sum, value_type = t;
        sum += *size;
        if (sum > total) return false;
      }
      if (sum != total) return false;
      if (root) {
        *root = 0;
        if (column >= 4 && value_type >= 1 && value_type <= 4 && value + value_type <= local) {
          std::uint64_t r = 0;
          for (std::uint64_t i = 0; i < value_type; ++i) r = (r << 8) | v_.u8(at + value + i);
          *root = r;
        } else if (column >= 4 && value_type != 0 && value_type != 8) {
          l_.complete = false;  // the root page number is not in this page: its tree is not followed
        }
      }
    } else if (root) {
      l_.complete = false;
    }
    if (total > local) overflow(p, at, local, total);
    return true;
  }

  // Checks b-tree page n.page; pushes its children.
  void btree(const Node& n, std::vector<Node>& stack) {
    const std::uint64_t p = n.page, base = (p - 1) * l_.page, h = p == 1 ? 100 : 0, end = base + l_.usable;
    const unsigned type = v_.u8(base + h);
    SqlitePage kind = n.kind;
    if (kind == SqlitePage::unknown) {
      kind = type == 5 || type == 13 ? SqlitePage::table : SqlitePage::index;
      l_.kind[p] = kind;
    }
    const bool interior = type == 5 || type == 2;
    if ((kind == SqlitePage::table && type != 5 && type != 13) || (kind == SqlitePage::index && type != 2 && type != 10))
      return bad(std::max(p, n.from));
    const std::uint64_t header = interior ? 12 : 8, cells = v_.u16be(base + h + 3), free = v_.u16be(base + h + 1);
    std::uint64_t content = v_.u16be(base + h + 5);
    if (content == 0) content = 65536;
    const std::uint64_t first_cell = h + header + 2 * cells;
    if (first_cell > content || content > l_.usable || v_.u8(base + h + 7) > 60 || (free != 0 && (free < content || free >= l_.usable)))
      return bad(p);
    if (!interior && cells == 0 && p != 1 && n.from != 1) return bad(p);  // only an empty tree's root has no cells
    std::int64_t prev = n.lo;
    for (std::uint64_t i = 0; i < cells; ++i) {
      const std::uint64_t ptr = v_.u16be(base + h + header + 2 * i);
      if (ptr < first_cell || ptr >= l_.usable) return bad(p);
      const std::uint64_t c = base + ptr;
      std::uint64_t len = 0;
      if (type == 5) {
        const std::uint64_t child = v_.u32be(c);
        const auto key = static_cast<std::int64_t>(varint(v_, c + 4, len));
        if (c + 4 + len > end) return bad(p);
        if (key <= prev || key > n.hi) return bad(std::max(p, n.from));
        push(stack, {child, p, SqlitePage::table, prev, key, n.schema});
        prev = key;
      } else if (type == 13) {
        const std::uint64_t total = varint(v_, c, len), at = c + len;
        const auto rowid = static_cast<std::int64_t>(varint(v_, at, len));
        if (rowid <= prev || rowid > n.hi) return bad(std::max(p, n.from));
        prev = rowid;
        std::uint64_t root = 0;
        if (!payload(p, at + len, total, true, end, n.schema ? &root : nullptr)) return bad(p);
        if (root) push(stack, {root, 1, SqlitePage::unknown, min_key, max_key, false});
      } else {
        std::uint64_t at = c;
        if (type == 2) {
          push(stack, {v_.u32be(c), p, SqlitePage::index, min_key, max_key, false});
          at += 4;
        }
        const std::uint64_t total = varint(v_, at, len);
        if (!payload(p, at + len, total, false, end, nullptr)) return bad(p);
      }
    }
    if (interior) push(stack, {v_.u32be(base + h + 8), p, kind, prev, n.hi, n.schema});
  }

  // Claims a b-tree page when it is referred to, so that each page waits on the stack at most
  // once (the stack stays within the page count whatever the pages say).
  void push(std::vector<Node>& stack, const Node& n) {
    const SqlitePage claimed = n.kind == SqlitePage::unknown ? SqlitePage::table : n.kind;  // refined by its type byte
    if (!claim(n.page, claimed, n.from)) return;
    if (n.kind == SqlitePage::table) l_.range[static_cast<std::uint32_t>(n.page)] = {n.lo, n.hi};
    stack.push_back(n);
  }

  void trees() {
    std::vector<Node> stack{{1, 0, SqlitePage::table, min_key, max_key, true}};
    l_.kind[1] = SqlitePage::table;
    while (!stack.empty()) {
      const Node n = stack.back();
      stack.pop_back();
      btree(n, stack);
    }
  }

 private:
  const ByteView& v_;
  SqliteLayout& l_;
};

// The type byte and header of a b-tree page of kind k at pos (header offset 0), and its first
// key in (lo, hi] for a table page.
bool btree_fits(const ByteView& v, std::uint64_t pos, const SqliteLayout& l, SqlitePage k, std::pair<std::int64_t, std::int64_t> range,
                bool root) {
  const unsigned type = v.u8(pos);
  if (k == SqlitePage::table ? type != 5 && type != 13 : type != 2 && type != 10) return false;
  const std::uint64_t header = type == 5 || type == 2 ? 12 : 8, cells = v.u16be(pos + 3);
  std::uint64_t content = v.u16be(pos + 5);
  if (content == 0) content = 65536;
  if (header + 2 * cells > content || content > l.usable || v.u8(pos + 7) > 60) return false;
  if (cells == 0) return root && header == 8;  // only an empty tree's root (a leaf) has no cells
  const std::uint64_t ptr = v.u16be(pos + header);
  if (ptr < content || ptr >= l.usable) return false;
  if (k != SqlitePage::table) return true;
  std::uint64_t len = 0, c = pos + ptr;
  if (type == 5)
    c += 4;
  else
    varint(v, c, len), c += len;
  const auto key = static_cast<std::int64_t>(varint(v, c, len));
  return key > range.first && key <= range.second;
}

}  // namespace

std::optional<SqliteLayout> sqlite_layout(const ByteView& v) {
  SqliteLayout l;
  l.page = v.u16be(16) == 1 ? 65536 : v.u16be(16);
  l.pages = v.u32be(28);
  if (l.page < 512 || (l.page & (l.page - 1)) || l.pages == 0 || v.u8(20) > l.page - 480) return std::nullopt;
  l.usable = l.page - v.u8(20);
  (void)v.u8(l.page * l.pages - 1);  // the whole database lies in the view
  l.kind.assign(l.pages + 1, SqlitePage::unknown);
  l.from.assign(l.pages + 1, 0);
  Builder b(v, l);
  const std::uint64_t lock = (std::uint64_t{1} << 30) / l.page + 1;  // the page holding byte 2^30
  if (lock <= l.pages) b.claim(lock, SqlitePage::lock, 0);
  if (v.u32be(52) != 0) {  // auto-vacuum: pointer-map pages every usable/5 + 1 pages from page 2
    const std::uint64_t step = l.usable / 5 + 1;
    for (std::uint64_t p = 2; p <= l.pages; p += step) {
      const std::uint64_t q = p == lock ? p + 1 : p;
      if (q <= l.pages) b.claim(q, SqlitePage::ptrmap, 0);
    }
  }
  b.freelist();
  b.trees();
  if (!l.first_bad && l.complete)
    for (std::uint64_t p = 1; p <= l.pages; ++p)
      if (l.kind[p] == SqlitePage::unknown) {
        b.bad(p);
        break;
      }
  return l;
}

bool sqlite_page_fits(const ByteView& v, std::uint64_t pos, const SqliteLayout& l, std::uint64_t q) {
  if (q == 0 || q > l.pages) return false;
  switch (l.kind[q]) {
    case SqlitePage::table: {
      auto it = l.range.find(static_cast<std::uint32_t>(q));
      return btree_fits(v, pos, l, SqlitePage::table, it == l.range.end() ? std::pair(min_key, max_key) : it->second, l.from[q] == 1);
    }
    case SqlitePage::index:
      return btree_fits(v, pos, l, SqlitePage::index, {min_key, max_key}, l.from[q] == 1);
    case SqlitePage::overflow:
    case SqlitePage::free_trunk:
      return v.u32be(pos) <= l.pages;
    default:
      return true;
  }
}

}  // namespace trawl::carvers
