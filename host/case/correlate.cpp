#include "host/case/correlate.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "host/case/case_db.hpp"

namespace trawl::detail {
namespace {

using nlohmann::json;

// Where a match sits for nearness: inside the same decoded stream (the forensic path up to its
// last component) at a position in that stream, or in the image itself (container "").
struct Placed {
  std::string container;
  std::uint64_t position = 0, end = 0;
  std::string value, path;
  std::int64_t offset = 0;
};

bool place(const std::string& path, std::int64_t offset, std::int64_t length, Placed& out) {
  const auto dash = path.rfind('-');
  std::uint64_t position = static_cast<std::uint64_t>(offset);
  if (dash != std::string::npos) {
    const char* first = path.data() + dash + 1;
    const char* last = path.data() + path.size();
    auto [ptr, ec] = std::from_chars(first, last, position);
    if (ec != std::errc() || ptr != last) return false;
    out.container = path.substr(0, dash);
  }
  out.position = position;
  out.end = position + static_cast<std::uint64_t>(std::max<std::int64_t>(length, 0));
  out.path = path;
  out.offset = offset;
  return true;
}

std::uint64_t gap(const Placed& a, const Placed& b) {
  if (b.position >= a.end) return b.position - a.end;
  if (a.position >= b.end) return a.position - b.end;
  return 0;
}

void near_pairs_of_device(Database& db, const DeviceSummary& device, std::uint64_t near_bytes,
                          std::map<std::pair<std::string, std::string>, PhoneNearAdid>& found) {
  auto q = db.prepare(
      "SELECT i.type, i.value, o.offset, o.path, o.length FROM occurrences o JOIN identifiers i ON i.id = o.identifier_id "
      "WHERE o.device_id = ?1 AND o.valid = 1 AND i.type IN ('phone', 'adid')");
  q.bind(1, device.id);
  struct Lists {
    std::vector<Placed> phones, adids;
  };
  std::map<std::string, Lists> containers;
  while (q.step()) {
    Placed p;
    if (!place(q.text(3), q.integer(2), q.integer(4), p)) continue;
    p.value = q.text(1);
    auto& lists = containers[p.container];
    (q.text(0) == "phone" ? lists.phones : lists.adids).push_back(std::move(p));
  }
  auto by_position = [](const Placed& a, const Placed& b) {
    return std::tie(a.position, a.end, a.value) < std::tie(b.position, b.end, b.value);
  };
  for (auto& [container, lists] : containers) {
    std::sort(lists.phones.begin(), lists.phones.end(), by_position);
    std::sort(lists.adids.begin(), lists.adids.end(), by_position);
    std::uint64_t longest = 0;
    for (const auto& a : lists.adids) longest = std::max(longest, a.end - a.position);
    for (const auto& phone : lists.phones) {
      // Ad ids that start at most near_bytes + longest before the phone can end within reach.
      const std::uint64_t from = phone.position > near_bytes + longest ? phone.position - near_bytes - longest : 0;
      auto it = std::lower_bound(lists.adids.begin(), lists.adids.end(), from,
                                 [](const Placed& a, std::uint64_t pos) { return a.position < pos; });
      for (; it != lists.adids.end() && it->position <= phone.end + near_bytes; ++it) {
        const std::uint64_t distance = gap(phone, *it);
        if (distance > near_bytes) continue;
        auto& entry = found[{phone.value, it->value}];
        entry.phone = phone.value;
        entry.adid = it->value;
        ++entry.pairs;
        NearPair pair{device.label, phone.path, it->path, phone.offset, it->offset, distance};
        if (entry.devices.empty() || entry.devices.back().label != device.label) {
          entry.devices.push_back(pair);
        } else {
          NearPair& best = entry.devices.back();
          if (std::tie(distance, pair.phone_offset, pair.adid_offset) < std::tie(best.distance, best.phone_offset, best.adid_offset))
            best = pair;
        }
      }
    }
  }
}

json hit_json(const DeviceHit& h) {
  return {{"device", h.label}, {"first_offset", h.first_offset}, {"first_path", h.first_path}, {"occurrences", h.occurrences}};
}

}  // namespace

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

Correlation correlate(Database& db, const CorrelateOptions& options) {
  check_case_schema(db);
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
    auto q = db.prepare(
        "SELECT o.device_id, i.type, COUNT(*), COUNT(DISTINCT o.identifier_id) FROM occurrences o "
        "JOIN identifiers i ON i.id = o.identifier_id WHERE o.valid = 1 GROUP BY o.device_id, i.type");
    while (q.step()) {
      auto& d = c.devices.at(device_index.at(q.integer(0)));
      d.occurrences_by_type[q.text(1)] = static_cast<std::uint64_t>(q.integer(2));
      d.distinct_by_type[q.text(1)] = static_cast<std::uint64_t>(q.integer(3));
    }
  }
  {
    auto q = db.prepare("SELECT device_id, COUNT(*) FROM carved_files GROUP BY device_id");
    while (q.step()) c.devices.at(device_index.at(q.integer(0))).carved_files = static_cast<std::uint64_t>(q.integer(1));
  }

  // Shared identifiers: ranked by how many devices hold them.
  {
    auto shared = db.prepare(
        "SELECT o.identifier_id, i.type, i.value, COUNT(DISTINCT o.device_id) AS n, COUNT(*) AS c FROM occurrences o "
        "JOIN identifiers i ON i.id = o.identifier_id WHERE o.valid = 1 GROUP BY o.identifier_id HAVING n >= ?1 "
        "ORDER BY n DESC, c DESC, i.type, i.value");
    // SQLite takes the bare column o.path from the row that gave MIN(o.offset).
    auto per_device = db.prepare(
        "SELECT o.device_id, d.label, MIN(o.offset), o.path, COUNT(*) FROM occurrences o JOIN devices d ON d.id = o.device_id "
        "WHERE o.identifier_id = ?1 AND o.valid = 1 GROUP BY o.device_id ORDER BY d.label");
    shared.bind(1, static_cast<std::int64_t>(options.min_devices));
    while (shared.step()) {
      SharedIdentifier s{shared.text(1), shared.text(2), static_cast<std::uint64_t>(shared.integer(4)), {}};
      per_device.bind(1, shared.integer(0));
      while (per_device.step()) {
        s.devices.push_back({per_device.integer(0), per_device.text(1), per_device.integer(2), per_device.text(3),
                             static_cast<std::uint64_t>(per_device.integer(4))});
        ++c.devices.at(device_index.at(per_device.integer(0))).shared_identifiers;
      }
      per_device.reset();
      c.identifiers.push_back(std::move(s));
    }
  }

  // Phones near ad identifiers, on any one device.
  {
    std::map<std::pair<std::string, std::string>, PhoneNearAdid> found;
    for (const auto& d : c.devices) near_pairs_of_device(db, d, options.near_bytes, found);
    for (auto& [key, entry] : found) {
      entry.min_distance = UINT64_MAX;
      for (const auto& p : entry.devices) entry.min_distance = std::min(entry.min_distance, p.distance);
      c.near.push_back(std::move(entry));
    }
    std::sort(c.near.begin(), c.near.end(), [](const PhoneNearAdid& a, const PhoneNearAdid& b) {
      return std::make_tuple(b.devices.size(), b.pairs, a.min_distance, std::cref(a.phone), std::cref(a.adid)) <
             std::make_tuple(a.devices.size(), a.pairs, b.min_distance, std::cref(b.phone), std::cref(b.adid));
    });
  }

  // Carved files whose SHA-256 several devices share.
  {
    auto shared = db.prepare(
        "SELECT sha256, COUNT(DISTINCT device_id) AS n, COUNT(*) AS c FROM carved_files WHERE sha256 IS NOT NULL AND "
        "sha256 <> '' GROUP BY sha256 HAVING n >= ?1 ORDER BY n DESC, c DESC, sha256");
    auto per_device = db.prepare(
        "SELECT c.device_id, d.label, MIN(c.offset), c.file, c.verdict, c.type, c.length, c.md5 FROM carved_files c "
        "JOIN devices d ON d.id = c.device_id WHERE c.sha256 = ?1 GROUP BY c.device_id ORDER BY d.label");
    shared.bind(1, static_cast<std::int64_t>(options.min_devices));
    while (shared.step()) {
      SharedFile f;
      f.sha256 = shared.text(0);
      f.copies = static_cast<std::uint64_t>(shared.integer(2));
      per_device.bind(1, f.sha256);
      while (per_device.step()) {
        if (f.devices.empty()) {
          f.type = per_device.text(5);
          f.length = per_device.integer(6);
          f.md5 = per_device.text(7);
        }
        f.devices.push_back({per_device.text(1), per_device.integer(2), per_device.text(3), per_device.text(4)});
        ++c.devices.at(device_index.at(per_device.integer(0))).shared_files;
      }
      per_device.reset();
      c.files.push_back(std::move(f));
    }
  }
  return c;
}

std::string shared_identifiers_csv(const Correlation& c) {
  std::string out = "rank,type,value,device_count,occurrences,device,first_offset,first_path,device_occurrences\n";
  std::size_t rank = 0;
  for (const auto& s : c.identifiers) {
    ++rank;
    for (const auto& h : s.devices)
      out += std::to_string(rank) + ',' + csv_field(s.type) + ',' + csv_field(s.value) + ',' + std::to_string(s.devices.size()) + ',' +
             std::to_string(s.occurrences) + ',' + csv_field(h.label) + ',' + std::to_string(h.first_offset) + ',' +
             csv_field(h.first_path) + ',' + std::to_string(h.occurrences) + '\n';
  }
  return out;
}

std::string phone_near_adid_csv(const Correlation& c) {
  std::string out = "rank,phone,adid,device_count,pairs,min_distance,device,phone_offset,phone_path,adid_offset,adid_path,distance\n";
  std::size_t rank = 0;
  for (const auto& n : c.near) {
    ++rank;
    for (const auto& p : n.devices)
      out += std::to_string(rank) + ',' + csv_field(n.phone) + ',' + csv_field(n.adid) + ',' + std::to_string(n.devices.size()) + ',' +
             std::to_string(n.pairs) + ',' + std::to_string(n.min_distance) + ',' + csv_field(p.label) + ',' +
             std::to_string(p.phone_offset) + ',' + csv_field(p.phone_path) + ',' + std::to_string(p.adid_offset) + ',' +
             csv_field(p.adid_path) + ',' + std::to_string(p.distance) + '\n';
  }
  return out;
}

std::string shared_files_csv(const Correlation& c) {
  std::string out = "rank,sha256,md5,type,length,device_count,copies,device,first_offset,file,verdict\n";
  std::size_t rank = 0;
  for (const auto& f : c.files) {
    ++rank;
    for (const auto& d : f.devices)
      out += std::to_string(rank) + ',' + csv_field(f.sha256) + ',' + csv_field(f.md5) + ',' + csv_field(f.type) + ',' +
             std::to_string(f.length) + ',' + std::to_string(f.devices.size()) + ',' + std::to_string(f.copies) + ',' +
             csv_field(d.label) + ',' + std::to_string(d.offset) + ',' + csv_field(d.file) + ',' + csv_field(d.verdict) + '\n';
  }
  return out;
}

json shared_identifiers_json(const Correlation& c) {
  json list = json::array();
  for (const auto& s : c.identifiers) {
    json devices = json::array();
    for (const auto& h : s.devices) devices.push_back(hit_json(h));
    list.push_back({{"type", s.type}, {"value", s.value}, {"device_count", s.devices.size()}, {"occurrences", s.occurrences},
                    {"devices", devices}});
  }
  return {{"schema", "trawl-case-shared-identifiers"}, {"schema_version", 1}, {"min_devices", c.options.min_devices},
          {"identifiers", list}};
}

json phone_near_adid_json(const Correlation& c) {
  json list = json::array();
  for (const auto& n : c.near) {
    json devices = json::array();
    for (const auto& p : n.devices)
      devices.push_back({{"device", p.label}, {"phone_offset", p.phone_offset}, {"phone_path", p.phone_path},
                         {"adid_offset", p.adid_offset}, {"adid_path", p.adid_path}, {"distance", p.distance}});
    list.push_back({{"phone", n.phone}, {"adid", n.adid}, {"device_count", n.devices.size()}, {"pairs", n.pairs},
                    {"min_distance", n.min_distance}, {"devices", devices}});
  }
  return {{"schema", "trawl-case-phone-near-adid"}, {"schema_version", 1}, {"near_bytes", c.options.near_bytes}, {"pairs", list}};
}

json shared_files_json(const Correlation& c) {
  json list = json::array();
  for (const auto& f : c.files) {
    json devices = json::array();
    for (const auto& d : f.devices) devices.push_back({{"device", d.label}, {"first_offset", d.offset}, {"file", d.file}, {"verdict", d.verdict}});
    list.push_back({{"sha256", f.sha256}, {"md5", f.md5}, {"type", f.type}, {"length", f.length}, {"device_count", f.devices.size()},
                    {"copies", f.copies}, {"devices", devices}});
  }
  return {{"schema", "trawl-case-shared-files"}, {"schema_version", 1}, {"min_devices", c.options.min_devices}, {"files", list}};
}

}  // namespace trawl::detail
