// Cross-device correlation over a case database: identifiers seen on several devices, phone
// numbers found near ad identifiers, carved files whose hash several devices share. Everything
// is sorted with every tie broken, so the same database always gives the same bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/case/sqlite.hpp"

namespace trawl::detail {

struct CorrelateOptions {
  std::uint64_t min_devices = 2;  // an identifier or file is "shared" from this many devices on
  std::uint64_t near_bytes = 256;  // a phone and an ad id at most this many bytes apart are "near"
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
  std::string type, value;
  std::uint64_t occurrences = 0;
  std::vector<DeviceHit> devices;  // by label
};

struct NearPair {
  std::string label;
  std::string phone_path, adid_path;
  std::int64_t phone_offset = 0, adid_offset = 0;
  std::uint64_t distance = 0;  // bytes between the two matches, 0 when they touch or overlap
};

struct PhoneNearAdid {
  std::string phone, adid;  // normalised values
  std::uint64_t pairs = 0;  // over all devices
  std::uint64_t min_distance = 0;
  std::vector<NearPair> devices;  // the closest pair on each device, by label
};

struct SharedFile {
  std::string sha256, md5, type;
  std::int64_t length = 0;
  std::uint64_t copies = 0;
  struct Copy {
    std::string label;
    std::int64_t offset = 0;
    std::string file, verdict;
  };
  std::vector<Copy> devices;  // the first copy on each device, by label
};

struct Correlation {
  CorrelateOptions options;
  std::string case_created_utc, case_created_by;
  std::vector<DeviceSummary> devices;  // by label
  std::vector<SharedIdentifier> identifiers;  // by device count, occurrences, type, value
  std::vector<PhoneNearAdid> near;            // by device count, pairs, distance, phone, adid
  std::vector<SharedFile> files;              // by device count, copies, sha256
};

Correlation correlate(Database& db, const CorrelateOptions& options);

// The outputs: CSV (RFC 4180, one row per thing and device) and JSON of each list.
std::string shared_identifiers_csv(const Correlation& c);
std::string phone_near_adid_csv(const Correlation& c);
std::string shared_files_csv(const Correlation& c);
nlohmann::json shared_identifiers_json(const Correlation& c);
nlohmann::json phone_near_adid_json(const Correlation& c);
nlohmann::json shared_files_json(const Correlation& c);

// A CSV field: quoted when it holds a comma, quote or line break; a leading = @ TAB or CR is
// neutralised with a ' so that a spreadsheet does not run evidence text as a formula.
std::string csv_field(std::string_view text);

}  // namespace trawl::detail
