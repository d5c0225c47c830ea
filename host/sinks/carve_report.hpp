// What carving leaves behind for people and tools: the DFXML report (carved/report.xml, the
// format of fiwalk/photorec/bulk_extractor reports), one JSON Lines record per carved file, and
// the "carving" section of summary.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "trawl/trawl.hpp"

namespace trawl::detail {

// DFXML 1.2: a <fileobject> per carved file with filename, filesize, byte_runs (img_offset, len),
// MD5 and SHA-256 hashdigests, and trawl's verdict/type/parent in the trawl: namespace.
std::string carve_dfxml(const ScanReport& report, const ScanOptions& options, const std::string& started_utc);

// Parents, for carved files sorted by offset: the innermost earlier file whose bytes contain
// this one's first byte (for a reassembled file, its first piece: what lies in the gap is not
// inside it). Counts the nested files in `tally`.
void assign_parents(std::vector<CarvedFile>& files, std::map<std::string, CarveTally>& tally);

// A carved_file record read back (trawl merge): the inverse of carved_file_record.
CarvedFile carved_file_from_record(const nlohmann::json& record);

// {"record":"carved_file", ...}
nlohmann::json carved_file_record(const std::string& image, const CarvedFile& file);

// The summary.json section: options, counts per type, verdicts.
nlohmann::json carving_json(const ScanReport& report, const ScanOptions& options);

}  // namespace trawl::detail
