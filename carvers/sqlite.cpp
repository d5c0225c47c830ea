// SQLite: the main database file, its write-ahead log (-wal) and its rollback journal
// (-journal). A database's length is page size × page count from its header (trusted only when
// the header says that count is current); a WAL's frames are followed while their salts and
// running checksum hold; a journal's records while their checksums hold.
#include <optional>
#include <string>
#include <vector>

#include "carvers/formats.hpp"
#include "carvers/sqlite_layout.hpp"

namespace trawl::carvers {
namespace {

using namespace std::literals;

constexpr Signature db_signatures[] = {{"SQLite format 3\0"sv, {}, 0}};
// WAL magic 0x377f0682 or 0x377f0683 (checksum byte order), then format version 3007000.
constexpr Signature wal_signatures[] = {{"\x37\x7F\x06\x82\x00\x2D\xE2\x18"sv, "\xFF\xFF\xFF\xFE\xFF\xFF\xFF\xFF"sv, 0}};
constexpr Signature journal_signatures[] = {{"\xD9\xD5\x05\xF9\x20\xA1\x63\xD7"sv, {}, 0}};

bool power_of_two_page(std::uint64_t size) { return size >= 512 && size <= 65536 && (size & (size - 1)) == 0; }

Carve walk_db(const ByteView& v) {
  if (!v.has(0, 108)) return not_this();
  std::uint64_t page = v.u16be(16);
  if (page == 1) page = 65536;
  const unsigned write_version = v.u8(18), read_version = v.u8(19), encoding = v.u32be(56);
  if (!power_of_two_page(page) || write_version < 1 || write_version > 2 || read_version < 1 || read_version > 2 ||
      v.u8(21) != 64 || v.u8(22) != 32 || v.u8(23) != 32 || encoding > 3)
    return not_this();
  const std::uint64_t pages = v.u32be(28);
  if (pages == 0 || v.u32be(24) != v.u32be(92))
    return corrupt(0, "page count in the header is not current (written by SQLite before 3.7.0)");
  const unsigned root = v.u8(100);
  if (root != 0x0D && root != 0x05) return corrupt(100, "page 1 is not a table b-tree page");
  if (v.u32be(32) > pages || v.u32be(36) >= pages) return corrupt(32, "freelist outside the database");
  const std::uint64_t length = page * pages;
  (void)v.u8(length - 1);
  // Every page claimed once by the schema's b-trees, their overflow chains, the freelist (or the
  // lock and pointer-map pages), and every claimed page checks out (carvers/sqlite_layout.hpp).
  auto layout = sqlite_layout(v);
  if (!layout) return corrupt(0, "database header not usable");
  if (layout->first_bad)
    return corrupt((layout->first_bad - 1) * page, "page " + std::to_string(layout->first_bad) +
                                                       " is not what the database's b-trees, overflow chains or freelist make it");
  return valid(length);
}

// SQLite's WAL checksum over 8-byte steps, words in the byte order the magic chose.
void wal_checksum(const ByteView& v, std::uint64_t pos, std::uint64_t len, bool big, std::uint32_t& s0, std::uint32_t& s1) {
  for (std::uint64_t i = 0; i < len; i += 8) {
    s0 += (big ? v.u32be(pos + i) : v.u32le(pos + i)) + s1;
    s1 += (big ? v.u32be(pos + i + 4) : v.u32le(pos + i + 4)) + s0;
  }
}

Carve walk_wal(const ByteView& v) {
  if (!v.has(0, 32)) return not_this();
  const bool big = v.u32be(0) & 1;
  const std::uint64_t page = v.u32be(8);
  if (!power_of_two_page(page)) return not_this();
  std::uint32_t s0 = 0, s1 = 0;
  wal_checksum(v, 0, 24, big, s0, s1);
  if (s0 != v.u32be(24) || s1 != v.u32be(28)) return not_this();
  const std::uint32_t salt1 = v.u32be(16), salt2 = v.u32be(20);
  std::uint64_t pos = 32;
  // Frames of the current generation: same salts, checksum chained from the header's.
  while (v.has(pos, 24 + page)) {
    if (v.u32be(pos) == 0 || v.u32be(pos + 8) != salt1 || v.u32be(pos + 12) != salt2) break;
    std::uint32_t f0 = s0, f1 = s1;
    wal_checksum(v, pos, 8, big, f0, f1);
    wal_checksum(v, pos + 24, page, big, f0, f1);
    if (f0 != v.u32be(pos + 16) || f1 != v.u32be(pos + 20)) break;
    s0 = f0, s1 = f1;
    pos += 24 + page;
  }
  Carve c = valid(pos);
  c.extension = "sqlite-wal";
  return c;
}

// SQLite's journal record checksum: the nonce plus every 200th byte of the page, from the end.
bool journal_record_ok(const ByteView& v, std::uint64_t pos, std::uint64_t page, std::uint32_t nonce) {
  if (v.u32be(pos) == 0) return false;  // page numbers start at 1
  std::uint32_t sum = nonce;
  for (std::uint64_t i = page - 200; i > 0 && i < page; i -= 200) sum += v.u8(pos + 4 + i);
  return sum == v.u32be(pos + 4 + page);
}

// A journal is one or more segments, each a header (padded to the sector size) and its records;
// every segment but the first starts at the next sector boundary after the previous one's records.
Carve walk_journal(const ByteView& v) {
  if (!v.has(0, 28)) return not_this();
  const std::uint64_t sector = v.u32be(20), page = v.u32be(24);
  if (!power_of_two_page(sector) || !power_of_two_page(page)) return not_this();
  const std::uint64_t first_records = v.u32be(8);
  if (first_records == 0 || first_records == 0xFFFFFFFF)
    return corrupt(0, "record count not in the header (journal not synced, or already committed)");
  std::uint64_t header = 0, end = 0;
  while (v.has(header, 28) && v.equals(header, "\xD9\xD5\x05\xF9\x20\xA1\x63\xD7"sv)) {
    if (v.u32be(header + 20) != sector || v.u32be(header + 24) != page) break;
    const std::uint64_t records = v.u32be(header + 8);
    const std::uint32_t nonce = v.u32be(header + 12);
    std::uint64_t pos = header + sector;
    if (records == 0 || records == 0xFFFFFFFF) {
      // The last segment before a crash: its count was never written; its records are those
      // whose checksums hold.
      while (v.has(pos, page + 8) && journal_record_ok(v, pos, page, nonce)) pos += page + 8;
    } else {
      for (std::uint64_t r = 0; r < records; ++r, pos += page + 8)
        if (!journal_record_ok(v, pos, page, nonce)) return corrupt(pos, "journal record checksum mismatch");
    }
    end = pos;
    header = (pos + sector - 1) / sector * sector;
  }
  Carve c = valid(end);
  c.extension = "sqlite-journal";
  return c;
}

}  // namespace

const CarverSpec sqlite_spec{"sqlite", "sqlite", "SQLite 3 database", 16ull << 30, db_signatures, walk_db};
const CarverSpec sqlite_wal_spec{"sqlite-wal", "sqlite-wal", "SQLite write-ahead log", 4ull << 30, wal_signatures, walk_wal};
const CarverSpec sqlite_journal_spec{"sqlite-journal", "sqlite-journal", "SQLite rollback journal", 4ull << 30,
                                     journal_signatures, walk_journal};

}  // namespace trawl::carvers
