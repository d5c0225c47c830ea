#include "host/case/correlate.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <tuple>

#include "host/case/case_db.hpp"
#include "host/util/text.hpp"

namespace trawl::detail {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::uint64_t count(std::int64_t v) { return static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0)); }

// A phone or ad-id match in its decoded stream (or the image), for the nearness window.
struct Placed {
  bool phone = false;
  std::string value, path;
  std::int64_t offset = 0;        // image offset, as reported
  std::uint64_t position = 0, end = 0;  // in the container
};

std::uint64_t gap(const Placed& a, const Placed& b) {
  if (b.position >= a.end) return b.position - a.end;
  if (a.position >= b.end) return a.position - b.end;
  return 0;
}

struct DevicePair {
  std::uint64_t pairs = 0;
  NearPair closest;
};

bool closer(const NearPair& a, const NearPair& b) {
  return std::tie(a.distance, a.phone_offset, a.adid_offset, a.phone_path, a.adid_path) <
         std::tie(b.distance, b.phone_offset, b.adid_offset, b.phone_path, b.adid_path);
}

// The phone/ad-id pairs near each other on one device, from one query in (container, position)
// order through a window of the matches that can still reach the next one: memory holds the
// window and this device's distinct pairs, never the device's matches.
std::map<std::pair<std::string, std::string>, DevicePair> near_pairs_of_device(Database& db, const DeviceSummary& device,
                                                                               std::uint64_t near_bytes) {
  auto q = db.prepare(
      "SELECT i.type, i.value, o.container, o.stream_offset, o.length, o.\"offset\", o.path FROM occurrences o "
      "JOIN identifiers i ON i.id = o.identifier_id WHERE o.device_id = ?1 AND o.valid = 1 AND o.container IS NOT NULL "
      "AND i.type IN ('phone', 'adid') ORDER BY o.container, o.stream_offset");
  q.bind(1, device.id);
  std::map<std::pair<std::string, std::string>, DevicePair> found;
  std::vector<Placed> window;  // earlier matches of this container whose end + near_bytes reaches the current one
  std::string container;
  bool first = true;
  while (q.step()) {
    Placed b;
    b.phone = q.text(0) == "phone";
    b.value = q.text(1);
    b.position = count(q.integer(3));
    b.end = b.position + count(q.integer(4));
    b.offset = q.integer(5);
    b.path = q.text(6);
    std::string here = q.text(2);
    if (first || here != container) {
      window.clear();
      container = std::move(here);
      first = false;
    }
    std::erase_if(window, [&](const Placed& a) { return a.end + near_bytes < b.position; });
    for (const Placed& a : window) {
      if (a.phone == b.phone) continue;
      const std::uint64_t distance = gap(a, b);
      if (distance > near_bytes) continue;
      const Placed& phone = a.phone ? a : b;
      const Placed& adid = a.phone ? b : a;
      auto& entry = found[{phone.value, adid.value}];
      NearPair pair{device.label, phone.path, adid.path, phone.offset, adid.offset, distance};
      if (entry.pairs++ == 0 || closer(pair, entry.closest)) entry.closest = std::move(pair);
    }
    window.push_back(std::move(b));
  }
  return found;
}

json hit_json(const DeviceHit& h) {
  return {{"device", h.label}, {"first_offset", h.first_offset}, {"first_path", h.first_path}, {"occurrences", h.occurrences}};
}

std::string jsonl(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + '\n'; }

json header(const char* schema, const char* option, std::uint64_t value) {
  return {{"record", "header"}, {"schema", schema}, {"schema_version", 2}, {option, value}};
}

json identifier_json(const SharedIdentifier& s) {
  json devices = json::array();
  for (const auto& h : s.devices) devices.push_back(hit_json(h));
  return {{"record", "shared_identifier"}, {"rank", s.rank},          {"type", s.type},       {"value", s.value},
          {"device_count", s.device_count},  {"occurrences", s.occurrences}, {"devices", devices}};
}

json near_json(const PhoneNearAdid& n) {
  json devices = json::array();
  for (const auto& p : n.devices)
    devices.push_back({{"device", p.label}, {"phone_offset", p.phone_offset}, {"phone_path", p.phone_path},
                       {"adid_offset", p.adid_offset}, {"adid_path", p.adid_path}, {"distance", p.distance}});
  return {{"record", "phone_near_adid"}, {"rank", n.rank}, {"phone", n.phone}, {"adid", n.adid}, {"device_count", n.device_count},
          {"pairs", n.pairs}, {"min_distance", n.min_distance}, {"devices", devices}};
}

json file_json(const SharedFile& f) {
  json devices = json::array();
  for (const auto& d : f.devices) devices.push_back({{"device", d.label}, {"first_offset", d.offset}, {"file", d.file}, {"verdict", d.verdict}});
  return {{"record", "shared_file"}, {"rank", f.rank},   {"sha256", f.sha256}, {"md5", f.md5},
          {"type", f.type},          {"length", f.length}, {"device_count", f.device_count},
          {"copies", f.copies},      {"devices", devices}};
}

// The report keeps the first `keep` entries of a list: the first `keep_full` with all their
// devices (the matrix), the rest with their first `keep_devices`.
template <class Entry>
void keep_for_report(std::vector<Entry>& kept, const Entry& e, const CorrelateOptions& o) {
  if (kept.size() >= o.keep) return;
  kept.push_back(e);
  if (kept.size() > o.keep_full && kept.back().devices.size() > o.keep_devices) kept.back().devices.resize(o.keep_devices);
}

}  // namespace

const char* const shared_identifiers_csv_header =
    "rank,type,value,device_count,occurrences,device,first_offset,first_path,device_occurrences\n";
const char* const phone_near_adid_csv_header =
    "rank,phone,adid,device_count,pairs,min_distance,device,phone_offset,phone_path,adid_offset,adid_path,distance\n";
const char* const shared_files_csv_header = "rank,sha256,md5,type,length,device_count,copies,device,first_offset,file,verdict\n";

std::string csv_field(std::string_view text) {
  std::string value(text);
  if (!value.empty() && (value[0] == '=' || value[0] == '@' || value[0] == '\t' || value[0] == '\r')) value.insert(0, 1, '\'');
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

Correlation correlate(Database& db, const CorrelateOptions& options, CorrelationSink& sink) {
  check_case_schema(db);
  // A fixed page cache (KiB), which also bounds SQLite's in-memory sorts before they spill to
  // temporary files: trawl's memory does not grow with the case.
  if (db.dialect() == Database::Dialect::sqlite) db.exec("PRAGMA cache_size = -65536");
  Correlation c;
  c.options = options;
  {
    auto q = db.prepare("SELECT key, value FROM meta WHERE key IN ('created_utc', 'created_by')");
    while (q.step()) (q.text(0) == "created_utc" ? c.case_created_utc : c.case_created_by) = q.text(1);
  }
  std::map<std::int64_t, std::size_t> device_index;
  {
    auto q = db.prepare("SELECT id, label, notes, image, image_size, sha256, interrupted FROM devices ORDER BY label");
    while (q.step()) {
      DeviceSummary d;
      d.id = q.integer(0);
      d.label = q.text(1);
      d.notes = q.text(2);
      d.image = q.text(3);
      d.image_size = q.integer(4);
      d.sha256 = q.text(5);
      d.interrupted = q.integer(6) != 0;
      device_index[d.id] = c.devices.size();
      c.devices.push_back(std::move(d));
    }
  }
  {
    // Per device (device → identifiers index): a few rows each, whatever the device's size.
    auto q = db.prepare(
        "SELECT i.type, SUM(di.occurrences), COUNT(*) FROM device_identifiers di JOIN identifiers i ON i.id = di.identifier_id "
        "WHERE di.device_id = ?1 GROUP BY i.type");
    for (auto& d : c.devices) {
      q.bind(1, d.id);
      while (q.step()) {
        d.occurrences_by_type[q.text(0)] = count(q.integer(1));
        d.distinct_by_type[q.text(0)] = count(q.integer(2));
      }
      q.reset();
    }
  }
  {
    auto q = db.prepare("SELECT device_id, COUNT(*) FROM carved_files GROUP BY device_id");
    while (q.step()) c.devices.at(device_index.at(q.integer(0))).carved_files = count(q.integer(1));
  }

  // Shared identifiers, ranked by how many devices hold them: one query over the identifier →
  // devices table, one row per (identifier, device), in rank order.
  {
    auto q = db.prepare(
        "WITH shared AS (SELECT identifier_id, COUNT(*) AS n, SUM(occurrences) AS c FROM device_identifiers "
        "GROUP BY identifier_id HAVING COUNT(*) >= ?1) "
        "SELECT s.n, s.c, i.type, i.value, di.device_id, d.label, di.first_offset, di.first_path, di.occurrences "
        "FROM shared s JOIN identifiers i ON i.id = s.identifier_id JOIN device_identifiers di ON di.identifier_id = "
        "s.identifier_id JOIN devices d ON d.id = di.device_id ORDER BY s.n DESC, s.c DESC, i.type, i.value, d.label");
    q.bind(1, static_cast<std::int64_t>(options.min_devices));
    SharedIdentifier s;
    auto flush = [&] {
      if (s.devices.empty()) return;
      s.rank = ++c.total_identifiers;
      ++c.shared_by_type[s.type];
      sink.identifier(s);
      keep_for_report(c.identifiers, s, options);
      s.devices.clear();
    };
    while (q.step()) {
      std::string type = q.text(2), value = q.text(3);
      if (s.devices.empty() || type != s.type || value != s.value) {
        flush();
        s.type = std::move(type);
        s.value = std::move(value);
        s.device_count = count(q.integer(0));
        s.occurrences = count(q.integer(1));
      }
      s.devices.push_back({q.integer(4), q.text(5), q.integer(6), q.text(7), count(q.integer(8))});
      ++c.devices.at(device_index.at(q.integer(4))).shared_identifiers;
    }
    flush();
  }

  // Phones near ad identifiers, on any one device: each device's pairs go to a temporary table
  // (on disk for SQLite), which one query then ranks.
  {
    db.exec(db.ddl("CREATE TEMP TABLE near_pairs (phone TEXT NOT NULL, adid TEXT NOT NULL, label TEXT NOT NULL, pairs INTEGER NOT NULL, "
            "distance INTEGER NOT NULL, phone_offset INTEGER NOT NULL, phone_path TEXT NOT NULL, adid_offset INTEGER NOT NULL, "
            "adid_path TEXT NOT NULL)"));
    auto insert = db.prepare(
        "INSERT INTO near_pairs (phone, adid, label, pairs, distance, phone_offset, phone_path, adid_offset, adid_path) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    for (auto& d : c.devices) {
      auto found = near_pairs_of_device(db, d, options.near_bytes);
      d.near_pairs = found.size();
      db.exec("BEGIN");
      for (const auto& [key, entry] : found) {
        const NearPair& p = entry.closest;
        insert.bind(1, key.first).bind(2, key.second).bind(3, d.label).bind(4, static_cast<std::int64_t>(entry.pairs));
        insert.bind(5, static_cast<std::int64_t>(p.distance)).bind(6, p.phone_offset).bind(7, p.phone_path);
        insert.bind(8, p.adid_offset).bind(9, p.adid_path);
        insert.run();
      }
      db.exec("COMMIT");
    }
    db.exec("CREATE INDEX near_pairs_by_pair ON near_pairs (phone, adid, label)");
    auto q = db.prepare(
        "WITH g AS (SELECT phone, adid, COUNT(*) AS n, SUM(pairs) AS p, MIN(distance) AS m FROM near_pairs GROUP BY phone, adid) "
        "SELECT g.phone, g.adid, g.n, g.p, g.m, np.label, np.phone_offset, np.phone_path, np.adid_offset, np.adid_path, "
        "np.distance FROM g JOIN near_pairs np ON np.phone = g.phone AND np.adid = g.adid "
        "ORDER BY g.n DESC, g.p DESC, g.m, g.phone, g.adid, np.label");
    PhoneNearAdid n;
    auto flush = [&] {
      if (n.devices.empty()) return;
      n.rank = ++c.total_near;
      sink.near(n);
      keep_for_report(c.near, n, options);
      n.devices.clear();
    };
    while (q.step()) {
      std::string phone = q.text(0), adid = q.text(1);
      if (n.devices.empty() || phone != n.phone || adid != n.adid) {
        flush();
        n.phone = std::move(phone);
        n.adid = std::move(adid);
        n.device_count = count(q.integer(2));
        n.pairs = count(q.integer(3));
        n.min_distance = count(q.integer(4));
      }
      n.devices.push_back({q.text(5), q.text(7), q.text(9), q.integer(6), q.integer(8), count(q.integer(10))});
    }
    flush();
    db.exec("DROP TABLE near_pairs");
  }

  // Carved files whose SHA-256 several devices share: the first copy on each device (lowest
  // offset, then the other columns; NULLs compared as '' so that every database sorts alike).
  {
    auto q = db.prepare(
        "WITH shared AS (SELECT sha256, COUNT(DISTINCT device_id) AS n, COUNT(*) AS c FROM carved_files WHERE sha256 IS NOT NULL "
        "AND sha256 <> '' GROUP BY sha256 HAVING COUNT(DISTINCT device_id) >= ?1) "
        "SELECT s.sha256, s.n, s.c, f.device_id, d.label, f.\"offset\", f.file, f.verdict, f.type, f.length, f.md5 "
        "FROM shared s JOIN carved_files f ON f.sha256 = s.sha256 JOIN devices d ON d.id = f.device_id "
        "ORDER BY s.n DESC, s.c DESC, s.sha256, d.label, f.\"offset\", COALESCE(f.file, ''), f.verdict, f.type, f.length, "
        "COALESCE(f.md5, '')");
    q.bind(1, static_cast<std::int64_t>(options.min_devices));
    SharedFile f;
    auto flush = [&] {
      if (f.devices.empty()) return;
      f.rank = ++c.total_files;
      sink.file(f);
      keep_for_report(c.files, f, options);
      f.devices.clear();
    };
    while (q.step()) {
      std::string sha256 = q.text(0), label = q.text(4);
      if (f.devices.empty() || sha256 != f.sha256) {
        flush();
        f.sha256 = std::move(sha256);
        f.device_count = count(q.integer(1));
        f.copies = count(q.integer(2));
        f.type = q.text(8);
        f.length = q.integer(9);
        f.md5 = q.text(10);
      } else if (label == f.devices.back().label) {
        continue;  // a later copy on the same device
      }
      f.devices.push_back({label, q.integer(5), q.text(6), q.text(7)});
      ++c.devices.at(device_index.at(q.integer(3))).shared_files;
    }
    flush();
  }
  return c;
}

std::string shared_identifier_csv_rows(const SharedIdentifier& s) {
  std::string out;
  for (const auto& h : s.devices)
    out += std::to_string(s.rank) + ',' + csv_field(s.type) + ',' + csv_field(s.value) + ',' + std::to_string(s.device_count) + ',' +
           std::to_string(s.occurrences) + ',' + csv_field(h.label) + ',' + std::to_string(h.first_offset) + ',' +
           csv_field(h.first_path) + ',' + std::to_string(h.occurrences) + '\n';
  return out;
}

std::string phone_near_adid_csv_rows(const PhoneNearAdid& n) {
  std::string out;
  for (const auto& p : n.devices)
    out += std::to_string(n.rank) + ',' + csv_field(n.phone) + ',' + csv_field(n.adid) + ',' + std::to_string(n.device_count) + ',' +
           std::to_string(n.pairs) + ',' + std::to_string(n.min_distance) + ',' + csv_field(p.label) + ',' +
           std::to_string(p.phone_offset) + ',' + csv_field(p.phone_path) + ',' + std::to_string(p.adid_offset) + ',' +
           csv_field(p.adid_path) + ',' + std::to_string(p.distance) + '\n';
  return out;
}

std::string shared_file_csv_rows(const SharedFile& f) {
  std::string out;
  for (const auto& d : f.devices)
    out += std::to_string(f.rank) + ',' + csv_field(f.sha256) + ',' + csv_field(f.md5) + ',' + csv_field(f.type) + ',' +
           std::to_string(f.length) + ',' + std::to_string(f.device_count) + ',' + std::to_string(f.copies) + ',' +
           csv_field(d.label) + ',' + std::to_string(d.offset) + ',' + csv_field(d.file) + ',' + csv_field(d.verdict) + '\n';
  return out;
}

const std::vector<std::string>& CsvJsonlWriter::file_names() {
  static const std::vector<std::string> names = {"shared_identifiers.csv", "shared_identifiers.jsonl", "phone_near_adid.csv",
                                                 "phone_near_adid.jsonl",  "shared_files.csv",         "shared_files.jsonl"};
  return names;
}

CsvJsonlWriter::CsvJsonlWriter(const fs::path& dir, const CorrelateOptions& options) {
  outputs_.reserve(file_names().size());
  for (const auto& name : file_names()) {
    Output o;
    o.final_path = dir / name;
    o.partial_path = dir / (name + ".partial");
    o.out.open(o.partial_path, std::ios::binary | std::ios::trunc);
    if (!o.out) throw Error(ErrorKind::output, "case: cannot write " + in_quotes(o.partial_path.string()));
    outputs_.push_back(std::move(o));
  }
  write(outputs_[0], shared_identifiers_csv_header);
  write(outputs_[1], jsonl(header("trawl-case-shared-identifiers", "min_devices", options.min_devices)));
  write(outputs_[2], phone_near_adid_csv_header);
  write(outputs_[3], jsonl(header("trawl-case-phone-near-adid", "near_bytes", options.near_bytes)));
  write(outputs_[4], shared_files_csv_header);
  write(outputs_[5], jsonl(header("trawl-case-shared-files", "min_devices", options.min_devices)));
}

CsvJsonlWriter::~CsvJsonlWriter() {
  if (finished_) return;
  std::error_code ec;
  for (auto& o : outputs_) {
    o.out.close();
    fs::remove(o.partial_path, ec);
  }
}

void CsvJsonlWriter::write(Output& o, const std::string& text) {
  o.out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!o.out) throw Error(ErrorKind::output, "case: cannot write " + in_quotes(o.partial_path.string()));
}

void CsvJsonlWriter::identifier(const SharedIdentifier& s) {
  write(outputs_[0], shared_identifier_csv_rows(s));
  write(outputs_[1], jsonl(identifier_json(s)));
}

void CsvJsonlWriter::near(const PhoneNearAdid& n) {
  write(outputs_[2], phone_near_adid_csv_rows(n));
  write(outputs_[3], jsonl(near_json(n)));
}

void CsvJsonlWriter::file(const SharedFile& f) {
  write(outputs_[4], shared_file_csv_rows(f));
  write(outputs_[5], jsonl(file_json(f)));
}

void CsvJsonlWriter::finish() {
  for (auto& o : outputs_) {
    o.out.close();
    if (!o.out) throw Error(ErrorKind::output, "case: cannot write " + in_quotes(o.partial_path.string()));
  }
  for (auto& o : outputs_) {
    std::error_code ec;
    fs::rename(o.partial_path, o.final_path, ec);
    if (ec) throw Error(ErrorKind::output, "case: cannot write " + in_quotes(o.final_path.string()) + ": " + ec.message());
  }
  finished_ = true;
}

IdentifierCsvStream::IdentifierCsvStream(std::FILE* out) : out_(out) { std::fputs(shared_identifiers_csv_header, out_); }

void IdentifierCsvStream::identifier(const SharedIdentifier& s) {
  const std::string rows = shared_identifier_csv_rows(s);
  std::fwrite(rows.data(), 1, rows.size(), out_);
}

}  // namespace trawl::detail
