#include "host/case/case_db.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>

#include "host/case/postgres.hpp"
#include "host/case/sqlite.hpp"
#include "host/core/forensic_path.hpp"
#include "host/sinks/output_dir.hpp"
#include "host/util/text.hpp"

namespace trawl::detail {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view schema_sql = R"sql(
-- trawl case database, schema version 2 (docs/case-database.md).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE devices (
  id          INTEGER PRIMARY KEY,
  label       TEXT NOT NULL UNIQUE,
  notes       TEXT,
  folder      TEXT NOT NULL,
  image       TEXT,
  image_size  INTEGER,
  md5         TEXT,
  sha1        TEXT,
  sha256      TEXT,
  interrupted INTEGER NOT NULL,
  exit_code   INTEGER,
  started_utc TEXT,
  summary     TEXT NOT NULL
);
CREATE TABLE identifiers (
  id    INTEGER PRIMARY KEY,
  type  TEXT NOT NULL,
  value TEXT NOT NULL,
  UNIQUE (type, value)
);
CREATE TABLE occurrences (
  id            INTEGER PRIMARY KEY,
  device_id     INTEGER NOT NULL REFERENCES devices (id),
  identifier_id INTEGER NOT NULL REFERENCES identifiers (id),
  "offset"      INTEGER NOT NULL,
  path          TEXT NOT NULL,
  length        INTEGER NOT NULL,
  rule          TEXT NOT NULL,
  raw           TEXT NOT NULL,
  encoding      TEXT,
  valid         INTEGER NOT NULL,
  region        TEXT,
  number_type   TEXT,
  context       TEXT,
  fs_path       TEXT,
  fs_inode      INTEGER,
  fs_state      TEXT,
  fs_offset     INTEGER,
  container     TEXT,
  stream_offset INTEGER NOT NULL
);
CREATE INDEX occurrences_by_identifier ON occurrences (identifier_id, device_id, "offset");
CREATE INDEX occurrences_by_position ON occurrences (device_id, container, stream_offset);
CREATE TABLE device_identifiers (
  identifier_id INTEGER NOT NULL REFERENCES identifiers (id),
  device_id     INTEGER NOT NULL REFERENCES devices (id),
  occurrences   INTEGER NOT NULL,
  first_offset  INTEGER NOT NULL,
  first_path    TEXT NOT NULL,
  PRIMARY KEY (identifier_id, device_id)
);
CREATE INDEX device_identifiers_by_device ON device_identifiers (device_id, identifier_id);
CREATE TABLE carved_files (
  id        INTEGER PRIMARY KEY,
  device_id INTEGER NOT NULL REFERENCES devices (id),
  "offset"  INTEGER NOT NULL,
  length    INTEGER NOT NULL,
  type      TEXT NOT NULL,
  subtype   TEXT,
  verdict   TEXT NOT NULL,
  file      TEXT,
  md5       TEXT,
  sha256    TEXT,
  parent    INTEGER,
  note      TEXT,
  fs_path   TEXT,
  fs_inode  INTEGER,
  fs_state  TEXT,
  fs_offset INTEGER
);
CREATE INDEX carved_files_by_sha256 ON carved_files (sha256, device_id);
CREATE INDEX carved_files_by_device ON carved_files (device_id, "offset");
)sql";

// SQLite's page cache while loading (KiB when negative): the identifier and occurrence indexes
// take random inserts, and a cache much smaller than their working set re-reads pages from the
// OS at every row. A fixed size: the loader's memory does not grow with the case.
constexpr std::string_view build_cache_size = "-131072";

[[noreturn]] void bad_input(const std::string& message) { throw Error(ErrorKind::input, message); }

std::optional<std::string> optional_text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> optional_integer(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

// One scan output folder, checked before anything is written.
struct Folder {
  fs::path path;
  json summary;
  std::string label;
  std::optional<std::string> notes;
};

std::string folder_message(const fs::path& folder, const std::string& what) {
  return "case: " + in_quotes(folder.string()) + " " + what;
}

Folder inspect_folder(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) bad_input(folder_message(path, "is not a folder"));
  const fs::path summary_file = path / "summary.json";
  std::ifstream in(summary_file);
  if (!in) bad_input(folder_message(path, "is not a trawl scan output folder (no summary.json)"));
  Folder f{path, json::parse(in, nullptr, false), "", std::nullopt};
  if (f.summary.is_discarded() || !f.summary.is_object() || f.summary.value("schema", "") != "trawl-summary")
    bad_input(folder_message(path, "has a summary.json that is not a trawl summary"));
  if (auto device = f.summary.find("device"); device != f.summary.end() && device->is_object()) {
    f.label = device->value("label", "");
    f.notes = optional_text(*device, "notes");
    if (f.notes && f.notes->empty()) f.notes.reset();  // a manifest line without notes
  }
  if (f.label.empty()) f.label = folder_label(path);
  const fs::path features = path / "features";
  if (fs::is_directory(features, ec) && !fs::exists(features / "features.jsonl", ec))
    bad_input(folder_message(path, "has features/ but no features/features.jsonl (scanned by an older trawl: scan again)"));
  return f;
}

struct FsColumns {
  std::optional<std::string> path, state;
  std::optional<std::int64_t> inode, offset;
};

FsColumns fs_columns(const json& record) {
  FsColumns c;
  auto it = record.find("fs");
  if (it == record.end() || !it->is_object()) return c;
  c.path = optional_text(*it, "path");
  c.state = optional_text(*it, "state");
  c.inode = optional_integer(*it, "inode");
  c.offset = optional_integer(*it, "offset");
  return c;
}

// Reads a JSON Lines file record by record; a line that is not a JSON object is bad input.
template <class OnRecord>
void read_jsonl(const fs::path& file, OnRecord on_record) {
  std::ifstream in(file);
  if (!in) bad_input("case: cannot read " + in_quotes(file.string()));
  std::string line;
  for (std::uint64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    json record = json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object())
      bad_input("case: " + in_quotes(file.string()) + " line " + std::to_string(number) + " is not a JSON record");
    try {
      on_record(record);
    } catch (const json::exception& e) {
      bad_input("case: " + in_quotes(file.string()) + " line " + std::to_string(number) + ": " + e.what());
    }
  }
  if (in.bad()) bad_input("case: cannot read " + in_quotes(file.string()));
}

// A batch output folder (no summary.json of its own, but sub-folders that have one) stands for
// those sub-folders, in name order.
std::vector<fs::path> expand_batch_folders(const std::vector<fs::path>& folders) {
  std::vector<fs::path> out;
  for (const auto& folder : folders) {
    std::error_code ec;
    std::vector<fs::path> scans;
    if (fs::is_directory(folder, ec) && !fs::exists(folder / "summary.json", ec)) {
      for (const auto& entry : fs::directory_iterator(folder, ec))
        if (entry.is_directory(ec) && fs::exists(entry.path() / "summary.json", ec)) scans.push_back(entry.path());
      std::sort(scans.begin(), scans.end());
    }
    if (scans.empty()) out.push_back(folder);
    else out.insert(out.end(), scans.begin(), scans.end());
  }
  return out;
}

class Loader {
 public:
  explicit Loader(Database& db)
      : db_(db),
        device_(db.prepare("INSERT INTO devices (label, notes, folder, image, image_size, md5, sha1, sha256, interrupted, "
                           "exit_code, started_utc, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id")),
        find_identifier_(db.prepare("SELECT id FROM identifiers WHERE type = ?1 AND value = ?2")),
        // Another loader (PostgreSQL) may add the same identifier meanwhile: then it is found after.
        identifier_(db.prepare("INSERT INTO identifiers (type, value) VALUES (?1, ?2) ON CONFLICT (type, value) DO NOTHING RETURNING id")),
        occurrence_(db.prepare("INSERT INTO occurrences (device_id, identifier_id, \"offset\", path, length, rule, raw, encoding, "
                               "valid, region, number_type, context, fs_path, fs_inode, fs_state, fs_offset, container, "
                               "stream_offset) VALUES "
                               "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)")),
        // One row per identifier on the device: its valid occurrences and the first of them (lowest
        // offset, then path: fully ordered, so the row does not depend on load order).
        device_identifiers_(db.prepare(
            "INSERT INTO device_identifiers (identifier_id, device_id, occurrences, first_offset, first_path) "
            "SELECT identifier_id, device_id, n, \"offset\", path FROM (SELECT identifier_id, device_id, \"offset\", stream_offset, path, "
            "COUNT(*) OVER (PARTITION BY identifier_id) AS n, "
            "ROW_NUMBER() OVER (PARTITION BY identifier_id ORDER BY \"offset\", stream_offset, path) AS r "
            "FROM occurrences WHERE device_id = ?1 AND valid = 1) AS w WHERE r = 1")),
        carved_(db.prepare("INSERT INTO carved_files (device_id, \"offset\", length, type, subtype, verdict, file, md5, sha256, "
                           "parent, note, fs_path, fs_inode, fs_state, fs_offset) VALUES "
                           "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)")) {}

  void load(const Folder& folder, CaseBuildReport& report) {
    db_.exec("BEGIN");
    identifiers_.clear();
    try {
      // Loaders into one PostgreSQL case take turns, a device at a time: two devices' transactions
      // adding shared identifiers in different orders would otherwise deadlock. The lock goes
      // with the transaction (a killed loader releases it).
      if (db_.dialect() == Database::Dialect::postgresql) db_.exec("SELECT pg_advisory_xact_lock(7429002)");
      const std::int64_t device = insert_device(folder);
      const fs::path features = folder.path / "features" / "features.jsonl";
      std::error_code ec;
      if (fs::exists(features, ec))
        read_jsonl(features, [&](const json& r) {
          if (r.value("record", "") != "feature") return;
          insert_occurrence(device, r);
          ++report.occurrences;
        });
      device_identifiers_.bind(1, device);
      device_identifiers_.run();
      const fs::path carved = folder.path / "carved" / "files.jsonl";
      if (fs::exists(carved, ec))
        read_jsonl(carved, [&](const json& r) {
          if (r.value("record", "") != "carved_file") return;
          insert_carved(device, r);
          ++report.carved_files;
        });
      db_.exec("COMMIT");
    } catch (...) {
      // The error that got here is the one to report, not a failed rollback.
      db_.rollback_quietly();
      throw;
    }
    ++report.devices;
  }

  std::uint64_t identifiers() {
    auto q = db_.prepare("SELECT COUNT(*) FROM identifiers");
    return q.step() ? static_cast<std::uint64_t>(q.integer(0)) : 0;
  }

 private:
  static std::string key(const std::string& type, const std::string& value) { return type + '\0' + value; }

  std::int64_t insert_device(const Folder& f) {
    const json& s = f.summary;
    const json image = s.value("image", json::object());
    const json hashes = s.value("hashes", json::object());
    std::error_code ec;
    fs::path absolute = fs::absolute(f.path, ec);
    device_.bind(1, f.label)
        .bind(2, f.notes)
        .bind(3, (ec ? f.path : absolute.lexically_normal()).string())
        .bind(4, optional_text(image, "path"))
        .bind(5, optional_integer(image, "size"))
        .bind(6, optional_text(hashes, "md5"))
        .bind(7, optional_text(hashes, "sha1"))
        .bind(8, optional_text(hashes, "sha256"))
        .bind(9, std::int64_t{s.value("interrupted", false)})
        .bind(10, optional_integer(s, "exit_code"))
        .bind(11, optional_text(s, "started_utc"))
        .bind(12, std::string_view(s.dump(-1, ' ', false, json::error_handler_t::replace)));
    if (!device_.step()) throw Error(db_.error_code(), "case: no id for a new device in " + db_.name());
    const std::int64_t id = device_.integer(0);
    device_.reset();
    return id;
  }

  // The case's identifiers are looked up in the database (its unique index), through a cache of
  // this device's: the loader's memory does not grow with the case.
  std::int64_t identifier_id(const std::string& type, const std::string& value) {
    auto [it, added] = identifiers_.try_emplace(key(type, value), 0);
    if (!added) return it->second;
    for (int attempt = 0; attempt < 2; ++attempt) {
      find_identifier_.bind(1, type).bind(2, value);
      const bool found = find_identifier_.step();
      if (found) it->second = find_identifier_.integer(0);
      find_identifier_.reset();
      if (found) return it->second;
      identifier_.bind(1, type).bind(2, value);
      const bool inserted = identifier_.step();
      if (inserted) it->second = identifier_.integer(0);
      identifier_.reset();
      if (inserted) return it->second;
    }
    throw Error(db_.error_code(), "case: cannot add identifier " + in_quotes(value) + " to " + db_.name());
  }

  void insert_occurrence(std::int64_t device, const json& r) {
    const std::string type = r.at("type").get<std::string>();
    std::string value = r.value("normalised", "");
    if (value.empty()) value = r.at("raw").get<std::string>();
    const FsColumns c = fs_columns(r);
    const std::int64_t offset = r.at("offset").get<std::int64_t>();
    const std::string path = r.at("path").get<std::string>();
    const StreamPosition where = stream_position(path, offset);
    occurrence_.bind(1, device)
        .bind(2, identifier_id(type, value))
        .bind(3, offset)
        .bind(4, path)
        .bind(5, r.value("length", std::int64_t{0}))
        .bind(6, r.value("rule", ""))
        .bind(7, r.at("raw").get<std::string>())
        .bind(8, optional_text(r, "encoding"))
        .bind(9, std::int64_t{r.value("valid", true)})
        .bind(10, optional_text(r, "region"))
        .bind(11, optional_text(r, "number_type"))
        .bind(12, optional_text(r, "context"))
        .bind(13, c.path)
        .bind(14, c.inode)
        .bind(15, c.state)
        .bind(16, c.offset)
        .bind(17, where.container)
        .bind(18, where.offset);
    occurrence_.run();
  }

  void insert_carved(std::int64_t device, const json& r) {
    const FsColumns c = fs_columns(r);
    carved_.bind(1, device)
        .bind(2, r.at("offset").get<std::int64_t>())
        .bind(3, r.at("length").get<std::int64_t>())
        .bind(4, r.at("type").get<std::string>())
        .bind(5, optional_text(r, "subtype"))
        .bind(6, r.value("verdict", ""))
        .bind(7, optional_text(r, "file"))
        .bind(8, optional_text(r, "md5"))
        .bind(9, optional_text(r, "sha256"))
        .bind(10, optional_integer(r, "parent"))
        .bind(11, optional_text(r, "note"))
        .bind(12, c.path)
        .bind(13, c.inode)
        .bind(14, c.state)
        .bind(15, c.offset);
    carved_.run();
  }

  Database& db_;
  Statement device_, find_identifier_, identifier_, occurrence_, device_identifiers_, carved_;
  std::unordered_map<std::string, std::int64_t> identifiers_;  // this device's: type '\0' value -> identifiers.id
};

// In the caller's transaction.
void create_schema(Database& db) {
  db.exec(db.ddl(schema_sql));
  if (db.dialect() == Database::Dialect::sqlite) db.exec("PRAGMA user_version = " + std::to_string(case_schema_version));
  auto meta = db.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)");
  for (const auto& [k, v] : std::map<std::string, std::string>{{"schema", "trawl-case"},
                                                                {"schema_version", std::to_string(case_schema_version)},
                                                                {"created_by", "trawl " + std::string(version())},
                                                                {"created_utc", utc_now()}}) {
    meta.bind(1, k).bind(2, v);
    meta.run();
  }
}

}  // namespace

std::string_view case_schema_sql() { return schema_sql; }

StreamPosition stream_position(const std::string& path, std::int64_t offset) {
  const auto where = parse_forensic_path(path);
  if (!where) return {std::nullopt, offset};
  if (where->member.empty() && where->steps.empty()) return {std::string(), offset};  // the image's own bytes
  if (where->position() > static_cast<std::uint64_t>(INT64_MAX)) return {std::nullopt, offset};
  return {where->container(), static_cast<std::int64_t>(where->position())};
}

std::string folder_label(const fs::path& folder) {
  fs::path p = folder.lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..") {
    std::error_code ec;
    name = fs::weakly_canonical(folder, ec).filename().string();
  }
  return name;
}

void check_case_schema(Database& db) {
  std::int64_t user_version = -1;
  std::string schema;
  try {
    auto q = db.prepare("SELECT key, value FROM meta WHERE key IN ('schema', 'schema_version')");
    while (q.step()) {
      if (q.text(0) == "schema") schema = q.text(1);
      else user_version = std::strtoll(q.text(1).c_str(), nullptr, 10);
    }
  } catch (const Error&) {
    // No meta table: not a case database; said below.
  }
  if (db.dialect() == Database::Dialect::sqlite) {
    auto q = db.prepare("PRAGMA user_version");
    if (q.step()) user_version = q.integer(0);
  }
  if (schema != "trawl-case")
    throw Error(ErrorKind::input, "case: not a trawl case database (no trawl-case schema in its meta table)");
  if (user_version != case_schema_version)
    throw Error(ErrorKind::input, "case: the database has schema version " + std::to_string(user_version) +
                                      "; this trawl reads version " + std::to_string(case_schema_version) +
                                      " (build the case again)");
}

CaseBuildReport build_case(const std::string& target, const std::vector<fs::path>& folders, const CaseBuildOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  if (folders.empty()) throw Error(ErrorKind::options, "case build: no scan output folder given");
  if (int{options.force} + int{options.append} + int{options.resume} > 1)
    throw Error(ErrorKind::options, "case build: --force, --append and --resume exclude each other");

  // Every folder is checked, and the labels made sure to be unique, before anything is written.
  std::vector<Folder> inspected;
  std::map<std::string, fs::path> labels;
  for (const auto& folder : expand_batch_folders(folders)) {
    inspected.push_back(inspect_folder(folder));
    auto [it, added] = labels.emplace(inspected.back().label, folder);
    if (!added)
      bad_input("case: device label " + in_quotes(it->first) + " is given by both " + in_quotes(it->second.string()) + " and " +
                in_quotes(folder.string()) + " (label the devices in the batch manifest, or rename a folder)");
  }

  CaseBuildReport report;
  // Loads the folders whose label is not in the case yet, one transaction each; with --append a
  // label already there is an error (before anything is loaded), with --resume it is skipped.
  auto load = [&](Database& db) {
    std::vector<const Folder*> missing;
    {
      auto existing = db.prepare("SELECT label FROM devices WHERE label = ?1");
      for (const auto& f : inspected) {
        existing.bind(1, f.label);
        const bool there = existing.step();
        existing.reset();
        if (there && !options.resume) bad_input("case: device label " + in_quotes(f.label) + " is already in " + db.name());
        if (there) ++report.skipped;
        else missing.push_back(&f);
      }
    }
    Loader loader(db);
    for (const Folder* f : missing) loader.load(*f, report);
    report.identifiers = loader.identifiers();
  };

  if (is_database_url(target)) {
    if (options.force)
      throw Error(ErrorKind::options,
                  "case build: --force does not apply to a PostgreSQL case (drop its tables on the server to start again)");
    PostgresDatabase db(target, ErrorKind::output);
    // The first loader creates the schema; concurrent loaders wait for it on a lock.
    bool had_schema = false;
    db.exec("BEGIN");
    try {
      db.exec("SELECT pg_advisory_xact_lock(7429001)");
      auto q = db.prepare("SELECT to_regclass('meta') IS NOT NULL");
      had_schema = q.step() && q.text(0) == "t";
      q.reset();
      if (!had_schema) create_schema(db);
      db.exec("COMMIT");
    } catch (...) {
      db.rollback_quietly();
      throw;
    }
    check_case_schema(db);
    if (had_schema && !options.append && !options.resume) {
      auto q = db.prepare("SELECT COUNT(*) FROM devices");
      const bool has_devices = q.step() && q.integer(0) > 0;
      q.reset();
      if (has_devices)
        throw Error(ErrorKind::output, "case: " + db.name() + " already holds a case (use --append or --resume to add to it)");
    }
    load(db);
  } else {
    const fs::path db_file(target);
    std::error_code ec;
    const bool exists = fs::exists(db_file, ec);
    if (exists && !options.force && !options.append && !options.resume)
      throw Error(ErrorKind::output, "case: " + in_quotes(db_file.string()) +
                                         " exists (use --force to replace it, --append or --resume to add to it)");
    if (!exists && options.append)
      throw Error(ErrorKind::input, "case: " + in_quotes(db_file.string()) + " does not exist (nothing to --append to)");
    if (exists && !options.force) {
      SqliteDatabase db(db_file, Database::Mode::read_write, ErrorKind::output);
      check_case_schema(db);
      db.exec("PRAGMA foreign_keys = ON; PRAGMA cache_size = " + std::string(build_cache_size));
      load(db);
    } else {
      // Written beside its final name without a journal (a crash leaves only the temporary file),
      // then renamed into place.
      fs::path temporary = db_file;
      temporary += ".partial";
      fs::remove(temporary, ec);
      try {
        {
          SqliteDatabase db(temporary, Database::Mode::create, ErrorKind::output);
          db.exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON; PRAGMA cache_size = " +
                  std::string(build_cache_size));
          db.exec("BEGIN");
          create_schema(db);
          db.exec("COMMIT");
          load(db);
          db.exec("PRAGMA synchronous = FULL");
        }
        fs::rename(temporary, db_file, ec);
        if (ec) throw Error(ErrorKind::output, "case: cannot write " + in_quotes(db_file.string()) + ": " + ec.message());
      } catch (...) {
        fs::remove(temporary, ec);
        throw;
      }
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace trawl::detail
