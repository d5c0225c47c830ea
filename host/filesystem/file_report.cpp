#include "host/filesystem/file_report.hpp"

#include "host/util/text.hpp"

namespace trawl::detail {

nlohmann::json file_context_json(const FileContext& c) {
  nlohmann::json j{{"path", c.path}, {"inode", c.inode}, {"state", c.state}};
  if (c.offset) j["offset"] = *c.offset;
  return j;
}

nlohmann::json file_record(const std::string& image, const FileSystemMap& map, const HashedFile& h) {
  const FsFile& f = map.files().at(h.file);
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& e : f.extents) runs.push_back({e.image_offset, e.file_offset, e.length});
  nlohmann::json j{{"record", "file"},
                   {"image", image},
                   {"partition_offset", map.filesystems().at(f.fs).partition_offset},
                   {"path", f.path},
                   {"inode", f.inode},
                   {"state", f.allocated ? "allocated" : "deleted"},
                   {"size", f.size},
                   {"md5", h.md5},
                   {"sha256", h.sha256},
                   {"byte_runs", runs}};
  if (!h.complete) j["note"] = "TSK could not read all of it; the digests cover what it read";
  return j;
}

std::string files_dfxml(const ScanReport& r, const FileSystemMap& map, const std::vector<HashedFile>& files,
                        const std::string& started_utc) {
  std::string x;
  x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<dfxml xmlns=\"http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML\"\n"
       "       xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
       "       xmlns:trawl=\"urn:trawl:filesystem:1\"\n"
       "       version=\"1.2.0\">\n";
  x += "  <metadata>\n    <dc:type>File System Report</dc:type>\n  </metadata>\n";
  x += "  <creator version=\"1.0\">\n    <program>trawl</program>\n    <version>" + std::string(version()) + "</version>\n";
  x += "    <library name=\"libtsk\" version=\"" + xml_escape(FileSystemMap::tsk_version()) + "\"/>\n";
  x += "    <execution_environment>\n      <start_time>" + xml_escape(started_utc) + "</start_time>\n    </execution_environment>\n";
  x += "  </creator>\n";
  x += "  <source>\n    <image_filename>" + xml_escape(r.image) + "</image_filename>\n";
  x += "    <image_size>" + std::to_string(r.image_size) + "</image_size>\n  </source>\n";
  std::size_t next = 0;
  for (std::uint32_t v = 0; v < map.filesystems().size(); ++v) {
    const auto& fs = map.filesystems()[v];
    x += "  <volume offset=\"" + std::to_string(fs.partition_offset) + "\">\n";
    x += "    <ftype_str>" + xml_escape(fs.type) + "</ftype_str>\n";
    x += "    <block_size>" + std::to_string(fs.block_size) + "</block_size>\n";
    x += "    <trawl:volume_system>" + xml_escape(fs.volume_system) + "</trawl:volume_system>\n";
    for (; next < files.size() && map.files()[files[next].file].fs == v; ++next) {
      const auto& h = files[next];
      const auto& f = map.files()[h.file];
      x += "    <fileobject>\n";
      x += "      <filename>" + xml_escape(f.path) + "</filename>\n";
      x += "      <inode>" + std::to_string(f.inode) + "</inode>\n";
      x += std::string("      <alloc>") + (f.allocated ? "1" : "0") + "</alloc>\n";
      x += "      <filesize>" + std::to_string(f.size) + "</filesize>\n";
      if (!f.extents.empty()) {
        x += "      <byte_runs>\n";
        for (const auto& e : f.extents)
          x += "        <byte_run file_offset=\"" + std::to_string(e.file_offset) + "\" img_offset=\"" +
               std::to_string(e.image_offset) + "\" len=\"" + std::to_string(e.length) + "\"/>\n";
        x += "      </byte_runs>\n";
      }
      x += "      <hashdigest type=\"md5\">" + h.md5 + "</hashdigest>\n";
      x += "      <hashdigest type=\"sha256\">" + h.sha256 + "</hashdigest>\n";
      if (h.read_through_tsk) x += "      <trawl:read>tsk</trawl:read>\n";
      if (!h.complete) x += "      <trawl:note>TSK could not read all of it</trawl:note>\n";
      x += "    </fileobject>\n";
    }
    x += "  </volume>\n";
  }
  x += "</dfxml>\n";
  return x;
}

nlohmann::json filesystems_json(const ScanReport& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& fs : r.filesystems) {
    nlohmann::json j{{"partition_offset", fs.partition_offset}, {"length", fs.length},   {"volume_system", fs.volume_system},
                     {"type", fs.type},                         {"block_size", fs.block_size}, {"files", fs.files}};
    if (!fs.label.empty()) j["label"] = fs.label;
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json filesystem_section_json(const ScanReport& r, const ScanOptions& o) {
  return {{"mode", to_string(o.filesystem.mode)},
          {"notice", r.filesystem_notice},
          {"hash_files", o.filesystem.hash_files},
          {"files_hashed", r.files_hashed},
          {"carve_unallocated_only", o.carve.unallocated_only},
          {"report", r.files_hashed && !o.output.empty() ? "files/report.xml" : ""}};
}

}  // namespace trawl::detail
