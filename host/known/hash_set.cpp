#include "host/known/hash_set.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <unordered_map>

#include "host/util/text.hpp"

namespace trawl::detail {
namespace {

namespace fs = std::filesystem;

constexpr char set_magic[8] = {'T', 'R', 'A', 'W', 'L', 'H', 'S', 'S'};
constexpr std::uint32_t set_version = 1;
constexpr std::uint32_t table_digest_size[3] = {16, 20, 32};  // md5, sha1, sha256

constexpr std::uint32_t record_size(std::uint32_t digest_size) { return static_cast<std::uint32_t>(align8(digest_size + 16)); }

int table_of_size(std::size_t digest_size) {
  for (int t = 0; t < 3; ++t)
    if (table_digest_size[t] == digest_size) return t;
  return -1;
}

// Hex digits to bytes; nullopt for anything but an even run of hex digits.
std::optional<std::vector<unsigned char>> from_hex(std::string_view hex) {
  if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> out(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return std::nullopt;
    out[i / 2] = static_cast<unsigned char>(out[i / 2] << 4 | v);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// Splits one line of NSRL's quoted CSV ("a","b",3): quotes removed, "" inside quotes is one ".
std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Everything imported, before it is sorted and written.
class Collector {
 public:
  std::uint32_t set(const std::string& name, HashSetLabel label) {
    for (std::uint32_t i = 0; i < sets_.size(); ++i)
      if (sets_[i].first == name) {
        if (sets_[i].second != label)
          throw Error(ErrorKind::options, "set '" + name + "' given with two labels (" +
                                              std::string(label_name(sets_[i].second)) + ", " + std::string(label_name(label)) +
                                              ")");
        return i;
      }
    sets_.emplace_back(name, label);
    return static_cast<std::uint32_t>(sets_.size() - 1);
  }
  // Adds one hash of one file; returns false when `hex` is not a digest of a known length.
  bool add(std::string_view hex, std::uint32_t set, std::string_view name) {
    const auto digest = from_hex(trim(hex));
    if (!digest) return false;
    const int t = table_of_size(digest->size());
    if (t < 0) return false;
    Row row{};
    std::memcpy(row.digest.data(), digest->data(), digest->size());
    row.set = set;
    row.name = intern(name);
    rows_[t].push_back(row);
    return true;
  }
  std::string write(const fs::path& output, HashSetImportReport& report);

 private:
  struct Row {
    std::array<unsigned char, 32> digest;
    std::uint32_t set;
    std::uint32_t name;  // index into names_
  };
  std::uint32_t intern(std::string_view name) {
    auto [it, inserted] = name_index_.try_emplace(std::string(name), static_cast<std::uint32_t>(names_.size()));
    if (inserted) names_.push_back(&it->first);
    return it->second;
  }
  std::vector<std::pair<std::string, HashSetLabel>> sets_;
  std::vector<Row> rows_[3];
  std::unordered_map<std::string, std::uint32_t> name_index_;
  std::vector<const std::string*> names_;  // node-based map: the pointers stay valid
};

std::string Collector::write(const fs::path& output, HashSetImportReport& report) {
  std::string strings;
  std::vector<std::uint64_t> name_offsets;  // by name index, filled as names are first written
  name_offsets.assign(names_.size(), UINT64_MAX);
  const auto place = [&](std::uint32_t name) {
    if (name_offsets[name] == UINT64_MAX) {
      name_offsets[name] = strings.size();
      strings += *names_[name];
    }
    return name_offsets[name];
  };
  std::vector<HashSetEntry> sets;
  for (const auto& [name, label] : sets_) {
    sets.push_back({strings.size(), static_cast<std::uint32_t>(name.size()), static_cast<std::uint32_t>(label)});
    strings += name;
  }
  std::string tables[3];
  for (int t = 0; t < 3; ++t) {
    const std::uint32_t ds = table_digest_size[t], rs = record_size(ds);
    auto& rows = rows_[t];
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      const int c = std::memcmp(a.digest.data(), b.digest.data(), ds);
      return c != 0 ? c < 0 : a.set < b.set;
    });
    // One record per (digest, set): the first file name seen for it.
    rows.erase(std::unique(rows.begin(), rows.end(),
                           [&](const Row& a, const Row& b) { return a.set == b.set && std::memcmp(a.digest.data(), b.digest.data(), ds) == 0; }),
               rows.end());
    tables[t].reserve(rows.size() * rs);
    std::string record(rs, '\0');
    for (const auto& row : rows) {
      const std::uint64_t offset = place(row.name);
      const auto size = static_cast<std::uint32_t>(names_[row.name]->size());
      std::memcpy(record.data(), row.digest.data(), ds);
      std::memcpy(record.data() + ds, &row.set, 4);
      std::memcpy(record.data() + ds + 4, &size, 4);
      std::memcpy(record.data() + ds + 8, &offset, 8);
      tables[t] += record;
    }
  }
  report.md5 = rows_[0].size();
  report.sha1 = rows_[1].size();
  report.sha256 = rows_[2].size();

  HashSetHeader header{};
  std::memcpy(header.magic, set_magic, sizeof set_magic);
  header.version = set_version;
  header.set_count = static_cast<std::uint32_t>(sets.size());
  for (int t = 0; t < 3; ++t) header.counts[t] = rows_[t].size();
  header.strings_size = strings.size();
  std::string out(sizeof header, '\0');
  append_section(out, sets.data(), sets.size() * sizeof(HashSetEntry));
  for (const auto& table : tables) append_section(out, table.data(), table.size());
  append_section(out, strings.data(), strings.size());
  header.total_size = out.size();
  std::memcpy(out.data(), &header, sizeof header);
  write_store(output, out);
  return out;
}

// NSRL RDSv3: a SQLite database whose FILE table has sha256, sha1, md5 (upper-case hex) and file_name.
std::uint64_t read_rds3(const fs::path& path, Collector& c, std::uint32_t set) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  const auto fail = [&](const std::string& what) {
    return Error(ErrorKind::input, "cannot read " + in_quotes(path.string()) + " as NSRL RDSv3: " + what);
  };
  if (rc != SQLITE_OK) throw fail(raw ? sqlite3_errmsg(raw) : "out of memory");
  // Only the columns this FILE table has (the minimal RDSv3 sets drop some).
  std::vector<std::string> columns;
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db.get(), "PRAGMA table_info(FILE)", -1, &s, nullptr) != SQLITE_OK) throw fail(sqlite3_errmsg(db.get()));
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(s, &sqlite3_finalize);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) columns.push_back(lower(reinterpret_cast<const char*>(sqlite3_column_text(s, 1))));
    if (step != SQLITE_DONE) throw fail(sqlite3_errmsg(db.get()));
  }
  if (columns.empty()) throw fail("no FILE table");
  std::vector<std::string> hashes;
  for (const char* name : {"sha256", "sha1", "md5"})
    if (std::find(columns.begin(), columns.end(), name) != columns.end()) hashes.push_back(name);
  if (hashes.empty()) throw fail("the FILE table has no sha256, sha1 or md5 column");
  const bool has_name = std::find(columns.begin(), columns.end(), "file_name") != columns.end();
  std::string sql = "SELECT " + std::string(has_name ? "file_name" : "''");
  for (const auto& h : hashes) sql += ", " + h;
  sql += " FROM FILE";
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK) throw fail(sqlite3_errmsg(db.get()));
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(s, &sqlite3_finalize);
  std::uint64_t rows = 0;
  int step;
  while ((step = sqlite3_step(s)) == SQLITE_ROW) {
    const auto text = [&](int column) {
      const auto* p = sqlite3_column_text(s, column);
      return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, column)))
               : std::string_view();
    };
    const std::string name(text(0));
    bool any = false;
    for (std::size_t k = 0; k < hashes.size(); ++k) any = c.add(text(static_cast<int>(k + 1)), set, name) || any;
    rows += any;
  }
  if (step != SQLITE_DONE) throw fail(sqlite3_errmsg(db.get()));
  return rows;
}

// NSRL RDS 2.x NSRLFile.txt: quoted CSV, header "SHA-1","MD5","CRC32","FileName",...
std::uint64_t read_rds2(std::istream& in, Collector& c, std::uint32_t set, const std::string& what) {
  std::string line;
  std::getline(in, line);
  const auto header = split_csv(trim(line));
  int sha1 = -1, md5 = -1, name = -1;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto h = lower(header[i]);
    if (h == "sha-1") sha1 = static_cast<int>(i);
    if (h == "md5") md5 = static_cast<int>(i);
    if (h == "filename") name = static_cast<int>(i);
  }
  if (sha1 < 0 && md5 < 0) throw Error(ErrorKind::input, "cannot read " + what + " as NSRL RDS 2.x: no SHA-1 or MD5 column");
  std::uint64_t rows = 0;
  while (std::getline(in, line)) {
    const auto fields = split_csv(trim(line));
    const auto field = [&](int i) { return i >= 0 && static_cast<std::size_t>(i) < fields.size() ? std::string_view(fields[i]) : std::string_view(); };
    bool any = c.add(field(sha1), set, field(name));
    any = c.add(field(md5), set, field(name)) || any;
    rows += any;
  }
  return rows;
}

// hashdeep: "%%%% HASHDEEP-1.0", "%%%% size,md5,sha256,filename", "## ..." comments, then rows.
std::uint64_t read_hashdeep(std::istream& in, Collector& c, std::uint32_t set, const std::string& what) {
  std::vector<std::string> columns;
  std::string line;
  std::uint64_t rows = 0;
  while (std::getline(in, line)) {
    const auto text = trim(line);
    if (text.empty() || text.starts_with("##")) continue;
    if (text.starts_with("%%%%")) {
      const auto spec = trim(text.substr(4));
      if (!spec.starts_with("HASHDEEP")) columns = split_list(spec);
      continue;
    }
    if (columns.empty() || columns.back() != "filename")
      throw Error(ErrorKind::input, "cannot read " + what + " as hashdeep: no '%%%% size,...,filename' line before the rows");
    // The file name is the last column and may itself hold commas.
    std::vector<std::string_view> fields;
    std::string_view rest = text;
    for (std::size_t i = 0; i + 1 < columns.size(); ++i) {
      const auto comma = rest.find(',');
      if (comma == std::string_view::npos) break;
      fields.push_back(rest.substr(0, comma));
      rest.remove_prefix(comma + 1);
    }
    if (fields.size() + 1 != columns.size()) continue;  // a damaged row
    bool any = false;
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (columns[i] == "md5" || columns[i] == "sha1" || columns[i] == "sha256") any = c.add(fields[i], set, rest) || any;
    rows += any;
  }
  return rows;
}

// *sum lists: "hex  name", "hex *name" (md5sum, sha1sum, sha256sum) or "SHA256 (name) = hex" (--tag).
std::uint64_t read_sums(std::istream& in, Collector& c, std::uint32_t set) {
  std::string line;
  std::uint64_t rows = 0;
  while (std::getline(in, line)) {
    auto text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    if (text.front() == '\\') text.remove_prefix(1);  // coreutils escapes names with odd characters this way
    const auto tag_end = text.find(" (");
    const auto eq = text.rfind(") = ");
    if (tag_end != std::string_view::npos && eq != std::string_view::npos && eq > tag_end) {
      rows += c.add(text.substr(eq + 4), set, text.substr(tag_end + 2, eq - tag_end - 2));
      continue;
    }
    const auto space = text.find(' ');
    if (space == std::string_view::npos) continue;
    auto name = text.substr(space + 1);
    if (!name.empty() && (name.front() == ' ' || name.front() == '*')) name.remove_prefix(1);
    rows += c.add(text.substr(0, space), set, name);
  }
  return rows;
}

std::string detect_format(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char head[32] = {};
  in.read(head, sizeof head);
  const std::string_view h(head, static_cast<std::size_t>(in.gcount()));
  if (h.starts_with(std::string_view("SQLite format 3\0", 16))) return "rds3";
  if (h.starts_with("%%%% HASHDEEP")) return "hashdeep";
  if (h.starts_with("\"SHA-1\"") || h.starts_with("\"SHA1\"")) return "rds2";
  return "sum";
}

}  // namespace

std::string_view label_name(HashSetLabel label) {
  switch (label) {
    case HashSetLabel::known_good: return "known-good";
    case HashSetLabel::known_bad: return "known-bad";
    case HashSetLabel::custom: return "custom";
  }
  return "custom";
}

HashSetLabel parse_label(std::string_view text) {
  if (text == "known-good") return HashSetLabel::known_good;
  if (text == "known-bad") return HashSetLabel::known_bad;
  if (text == "custom") return HashSetLabel::custom;
  throw Error(ErrorKind::options, "HashSetInput::label must be known-good, known-bad or custom, not '" + std::string(text) + "'");
}

HashSetImportReport import_hash_sets(const std::vector<HashSetInput>& inputs, const fs::path& output) {
  if (inputs.empty()) throw Error(ErrorKind::options, "hashset import: no input file given");
  Collector collector;
  HashSetImportReport report;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (!fs::is_regular_file(input.file, ec))
      throw Error(ErrorKind::input, "cannot open " + in_quotes(input.file.string()) + ": not a readable file");
    const std::string format = input.format == "auto" ? detect_format(input.file) : input.format;
    const std::uint32_t set = collector.set(input.name.empty() ? input.file.stem().string() : input.name, input.label);
    const std::string what = in_quotes(input.file.string());
    std::uint64_t rows = 0;
    if (format == "rds3") {
      rows = read_rds3(input.file, collector, set);
    } else if (format == "rds2" || format == "hashdeep" || format == "sum") {
      std::ifstream in(input.file, std::ios::binary);
      if (!in) throw Error(ErrorKind::input, "cannot open " + what + ": " + errno_text(errno));
      rows = format == "rds2" ? read_rds2(in, collector, set, what)
             : format == "hashdeep" ? read_hashdeep(in, collector, set, what)
                                    : read_sums(in, collector, set);
      if (in.bad()) throw Error(ErrorKind::input, "cannot read " + what + ": " + errno_text(errno));
    } else {
      throw Error(ErrorKind::options, "HashSetInput::format must be auto, rds3, rds2, hashdeep or sum, not '" + format + "'");
    }
    if (rows == 0) throw Error(ErrorKind::input, what + " holds no MD5, SHA-1 or SHA-256 hash (read as " + format + ")");
    report.rows += rows;
    report.formats.push_back(format);
  }
  collector.write(output, report);
  return report;
}

HashSet::HashSet(const fs::path& path) : map_(path) {
  const auto bytes = map_.bytes();
  const auto bad = [&](const std::string& why) {
    return Error(ErrorKind::input, in_quotes(path.string()) + " is not a usable hash set: " + why);
  };
  if (bytes.size() < sizeof(HashSetHeader)) throw bad("too short");
  header_ = reinterpret_cast<const HashSetHeader*>(bytes.data());
  const auto& h = *header_;
  if (std::memcmp(h.magic, set_magic, sizeof set_magic) != 0) throw bad("wrong magic (import one with trawl hashset import)");
  if (h.version != set_version) throw bad("version " + std::to_string(h.version) + ", this trawl reads " + std::to_string(set_version));
  constexpr std::uint64_t limit = 1ull << 36;
  if (h.set_count > (1u << 20) || h.counts[0] > limit || h.counts[1] > limit || h.counts[2] > limit || h.strings_size > limit)
    throw bad("inconsistent counts");
  std::uint64_t expected = sizeof(HashSetHeader) + align8(h.set_count * sizeof(HashSetEntry)) + align8(h.strings_size);
  for (int t = 0; t < 3; ++t) expected += align8(h.counts[t] * record_size(table_digest_size[t]));
  if (h.total_size != expected || bytes.size() != expected)
    throw bad(bytes.size() < expected ? "truncated" : "size does not match its header");
  std::uint64_t at = sizeof(HashSetHeader);
  sets_ = {reinterpret_cast<const HashSetEntry*>(bytes.data() + at), h.set_count};
  at += align8(h.set_count * sizeof(HashSetEntry));
  for (int t = 0; t < 3; ++t) {
    auto& table = tables_[t];
    table.digest_size = table_digest_size[t];
    table.record_size = record_size(table.digest_size);
    table.count = h.counts[t];
    table.records = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    at += align8(table.count * table.record_size);
  }
  strings_ = std::string_view(reinterpret_cast<const char*>(bytes.data() + at), h.strings_size);
  const auto in_strings = [&](std::uint64_t offset, std::uint64_t size) { return offset <= h.strings_size && size <= h.strings_size - offset; };
  for (const auto& s : sets_)
    if (!in_strings(s.name_offset, s.name_size) || s.label > 2) throw bad("bad set table");
  for (const auto& table : tables_)
    for (std::uint64_t i = 0; i < table.count; ++i) {
      const unsigned char* r = table.records + i * table.record_size;
      std::uint32_t set, size;
      std::uint64_t offset;
      std::memcpy(&set, r + table.digest_size, 4);
      std::memcpy(&size, r + table.digest_size + 4, 4);
      std::memcpy(&offset, r + table.digest_size + 8, 8);
      if (set >= h.set_count || !in_strings(offset, size)) throw bad("bad record");
      if (i && std::memcmp(r - table.record_size, r, table.digest_size) > 0) throw bad("records not sorted");
    }
}

std::vector<HashSetHit> HashSet::find(std::span<const unsigned char> digest) const {
  std::vector<HashSetHit> hits;
  const int t = table_of_size(digest.size());
  if (t < 0) return hits;
  const auto& table = tables_[t];
  // The first record not less than the digest; equal ones (one per set) follow it.
  std::uint64_t lo = 0, hi = table.count;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (std::memcmp(table.records + mid * table.record_size, digest.data(), table.digest_size) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (; lo < table.count; ++lo) {
    const unsigned char* r = table.records + lo * table.record_size;
    if (std::memcmp(r, digest.data(), table.digest_size) != 0) break;
    std::uint32_t set, size;
    std::uint64_t offset;
    std::memcpy(&set, r + table.digest_size, 4);
    std::memcpy(&size, r + table.digest_size + 4, 4);
    std::memcpy(&offset, r + table.digest_size + 8, 8);
    const auto& s = sets_[set];
    hits.push_back({std::string(text(s.name_offset, s.name_size)), static_cast<HashSetLabel>(s.label), std::string(text(offset, size))});
  }
  return hits;
}

HashSetCollection::HashSetCollection(const std::vector<std::string>& paths) {
  for (const auto& path : paths) sets_.emplace_back(path);
}

std::optional<HashSetHit> HashSetCollection::match(std::string_view md5_hex, std::string_view sha256_hex) const {
  std::optional<HashSetHit> best;
  const auto rank = [](HashSetLabel l) { return l == HashSetLabel::known_bad ? 2 : l == HashSetLabel::custom ? 1 : 0; };
  for (const auto hex : {sha256_hex, md5_hex}) {
    const auto digest = from_hex(hex);
    if (!digest) continue;
    for (const auto& set : sets_)
      for (auto& hit : set.find(*digest))
        if (!best || rank(hit.label) > rank(best->label)) best = std::move(hit);
  }
  return best;
}

}  // namespace trawl::detail
