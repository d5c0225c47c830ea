// Cross-device correlation over a case database: identifiers seen on several devices, phone
// numbers found near ad identifiers, carved files whose hash several devices share.
//
// Bounded memory: every list is one query that the database sorts (spilling to disk when it must)
// and that is handed on row by row, in rank order, to a CorrelationSink; what is kept here is one
// summary per device and the top of each list for the report. Every ORDER BY is fully
// tie-broken on values and labels (never row ids), so the same case gives the same bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "host/case/database.hpp"

namespace trawl::detail {

struct CorrelateOptions {
  std::uint64_t min_devices = 2;  // an identifier or file is "shared" from this many devices on
  std::uint64_t near_bytes = 256;  // a phone and an ad id at most this many bytes apart are "near"
  std::size_t keep = 500;          // entries of each list kept for the report (the sink sees all)
  std::size_t keep_devices = 30;   // of the entries past the first `keep_full`, devices kept each
  std::size_t keep_full = 30;      // entries kept with all their devices (the report's matrix)
};

struct DeviceSummary {
  std::int64_t id = 0;
  std::string label, notes, image, sha256;
  std::int64_t image_size = 0;
  bool interrupted = false;
  std::map<std::string, std::uint64_t> occurrences_by_type;  // valid occurrences
  std::map<std::string, std::uint64_t> distinct_by_type;     // distinct valid identifiers
  std::uint64_t shared_identifiers = 0;  // of this device's identifiers, how many are shared
  std::uint64_t carved_files = 0;
  std::uint64_t shared_files = 0;
  std::uint64_t near_pairs = 0;  // distinct (phone, ad id) pairs near each other on this device
};

// Where one thing was first seen on one device.
struct DeviceHit {
  std::int64_t device = 0;
  std::string label;
  std::int64_t first_offset = 0;
  std::string first_path;  // forensic path of that first occurrence
  std::uint64_t occurrences = 0;
};

struct SharedIdentifier {
  std::uint64_t rank = 0;
  std::string type, value;
  std::uint64_t device_count = 0;
  std::uint64_t occurrences = 0;
  std::vector<DeviceHit> devices;  // by label (in a kept summary: maybe only the first ones)
};

struct NearPair {
  std::string label;
  std::string phone_path, adid_path;
  std::int64_t phone_offset = 0, adid_offset = 0;
  std::uint64_t distance = 0;  // bytes between the two matches, 0 when they touch or overlap
};

struct PhoneNearAdid {
  std::uint64_t rank = 0;
  std::string phone, adid;  // normalised values
  std::uint64_t device_count = 0;
  std::uint64_t pairs = 0;  // over all devices
  std::uint64_t min_distance = 0;
  std::vector<NearPair> devices;  // the closest pair on each device, by label
};

struct SharedFile {
  std::uint64_t rank = 0;
  std::string sha256, md5, type;
  std::int64_t length = 0;
  std::uint64_t device_count = 0;
  std::uint64_t copies = 0;
  struct Copy {
    std::string label;
    std::int64_t offset = 0;
    std::string file, verdict;
  };
  std::vector<Copy> devices;  // the first copy on each device, by label
};

// Receives every entry of each list, in rank order, with all its devices.
class CorrelationSink {
 public:
  virtual ~CorrelationSink() = default;
  virtual void identifier(const SharedIdentifier&) {}
  virtual void near(const PhoneNearAdid&) {}
  virtual void file(const SharedFile&) {}
};

// What the report needs: the devices, the totals and the top of each list.
struct Correlation {
  CorrelateOptions options;
  std::string case_created_utc, case_created_by;
  std::vector<DeviceSummary> devices;         // by label
  std::uint64_t total_identifiers = 0, total_near = 0, total_files = 0;  // entries of each list
  std::map<std::string, std::uint64_t> shared_by_type;  // shared identifiers per type
  std::vector<SharedIdentifier> identifiers;  // the first options.keep, by device count, occurrences, type, value
  std::vector<PhoneNearAdid> near;            // the first options.keep, by device count, pairs, distance, phone, adid
  std::vector<SharedFile> files;              // the first options.keep, by device count, copies, sha256
};

Correlation correlate(Database& db, const CorrelateOptions& options, CorrelationSink& sink);

// The outputs, written as the entries arrive: CSV (RFC 4180, one row per entry and device) and
// JSON Lines (a header line, then one line per entry with its devices).
class CsvJsonlWriter final : public CorrelationSink {
 public:
  // Writes NAME.csv and NAME.jsonl for each list under `dir`, each first as NAME.EXT.partial,
  // renamed into place by finish(); a writer destroyed unfinished removes its partial files.
  CsvJsonlWriter(const std::filesystem::path& dir, const CorrelateOptions& options);
  ~CsvJsonlWriter() override;
  void identifier(const SharedIdentifier& s) override;
  void near(const PhoneNearAdid& n) override;
  void file(const SharedFile& f) override;
  void finish();

  // The file names this writer produces (for checks before writing).
  static const std::vector<std::string>& file_names();

 private:
  struct Output {
    std::filesystem::path final_path, partial_path;
    std::ofstream out;
  };
  Output& open(const std::string& name);
  void write(Output& o, const std::string& text);
  std::vector<Output> outputs_;  // identifiers csv, jsonl; near csv, jsonl; files csv, jsonl
  bool finished_ = false;
};

// The shared identifiers as CSV on a stream (stdout), as they arrive.
class IdentifierCsvStream final : public CorrelationSink {
 public:
  explicit IdentifierCsvStream(std::FILE* out);
  void identifier(const SharedIdentifier& s) override;

 private:
  std::FILE* out_;
};

// One CSV row per (entry, device), and the header line of each file.
std::string shared_identifier_csv_rows(const SharedIdentifier& s);
std::string phone_near_adid_csv_rows(const PhoneNearAdid& n);
std::string shared_file_csv_rows(const SharedFile& f);
extern const char* const shared_identifiers_csv_header;
extern const char* const phone_near_adid_csv_header;
extern const char* const shared_files_csv_header;

// A CSV field: quoted when it holds a comma, quote or line break; a leading = @ TAB or CR is
// neutralised with a ' so that a spreadsheet does not run evidence text as a formula.
std::string csv_field(std::string_view text);

}  // namespace trawl::detail
