// What file-system mapping leaves behind: the "fs" object of feature and carved-file records,
// the file hashes (files/report.xml as DFXML fileobjects, files/files.jsonl), and the
// "filesystems" / "filesystem" sections of summary.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/core/records.hpp"
#include "host/filesystem/file_system_map.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

// {"path": "/dir/file", "inode": 123, "state": "allocated"|"deleted"|"unallocated", "offset": N}
// ("offset" absent in unallocated space).
nlohmann::json file_context_json(const FileContext& context);

// {"record":"file", "image", "path", "inode", "state", "size", "md5", "sha256", "partition_offset",
//  "byte_runs": [[img_offset, file_offset, len], ...]}
nlohmann::json file_record(const std::string& image, const FileSystemMap& map, const HashedFile& hashed);

// DFXML 1.2, fiwalk's vocabulary: a <volume> per file system holding a <fileobject> per hashed
// file (filename, inode, alloc, filesize, byte_runs, md5 and sha256 hashdigests).
std::string files_dfxml(const ScanReport& report, const FileSystemMap& map, const std::vector<HashedFile>& files,
                        const std::string& started_utc);

// summary.json: "filesystems" (one object per file system found).
nlohmann::json filesystems_json(const ScanReport& report);
// summary.json: "filesystem" (mode, notice, files hashed, where the report is).
nlohmann::json filesystem_section_json(const ScanReport& report, const ScanOptions& options);

}  // namespace trawl::detail
