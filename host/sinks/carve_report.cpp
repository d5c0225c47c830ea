#include "host/sinks/carve_report.hpp"

#include <cstdio>

#include "host/filesystem/file_report.hpp"
#include "host/util/text.hpp"

namespace trawl::detail {

std::string carve_dfxml(const ScanReport& r, const ScanOptions& o, const std::string& started_utc) {
  std::string x;
  x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<dfxml xmlns=\"http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML\"\n"
       "       xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
       "       xmlns:trawl=\"urn:trawl:carving:1\"\n"
       "       version=\"1.2.0\">\n";
  x += "  <metadata>\n    <dc:type>Carve Report</dc:type>\n  </metadata>\n";
  x += "  <creator version=\"1.0\">\n    <program>trawl</program>\n    <version>" + std::string(version()) + "</version>\n";
  x += "    <execution_environment>\n      <start_time>" + xml_escape(started_utc) + "</start_time>\n";
  x += "      <trawl:carve_mode>" + xml_escape(std::string(to_string(o.carve.mode))) + "</trawl:carve_mode>\n";
  x += "      <trawl:carve_align>" + std::to_string(o.carve.align) + "</trawl:carve_align>\n";
  x += "      <trawl:max_carve_size>" + std::to_string(o.carve.max_size) + "</trawl:max_carve_size>\n";
  x += "    </execution_environment>\n  </creator>\n";
  x += "  <source>\n    <image_filename>" + xml_escape(r.image) + "</image_filename>\n";
  x += "    <image_size>" + std::to_string(r.image_size) + "</image_size>\n  </source>\n";
  for (const auto& f : r.carved) {
    x += "  <fileobject>\n";
    x += "    <filename>" + xml_escape(f.file) + "</filename>\n";
    x += "    <filesize>" + std::to_string(f.length) + "</filesize>\n";
    x += "    <byte_runs>\n";
    if (f.runs.empty()) {
      x += "      <byte_run file_offset=\"0\" img_offset=\"" + std::to_string(f.offset) + "\" len=\"" + std::to_string(f.length) +
           "\"/>\n";
    } else {
      std::uint64_t file_offset = 0;
      for (const auto& run : f.runs) {
        x += "      <byte_run file_offset=\"" + std::to_string(file_offset) + "\" img_offset=\"" + std::to_string(run.offset) +
             "\" len=\"" + std::to_string(run.length) + "\"/>\n";
        file_offset += run.length;
      }
    }
    x += "    </byte_runs>\n";
    x += "    <hashdigest type=\"md5\">" + f.md5 + "</hashdigest>\n";
    x += "    <hashdigest type=\"sha256\">" + f.sha256 + "</hashdigest>\n";
    x += "    <trawl:carve type=\"" + xml_escape(f.type) + "\" subtype=\"" + xml_escape(f.subtype) + "\" verdict=\"" +
         std::string(to_string(f.verdict)) + "\"";
    if (f.parent) x += " parent_img_offset=\"" + std::to_string(*f.parent) + "\"";
    if (f.reassembled) x += " reassembled=\"true\"";
    if (!f.note.empty()) x += " note=\"" + xml_escape(f.note) + "\"";
    x += "/>\n";
    if (f.fs) {
      x += "    <trawl:fs path=\"" + xml_escape(f.fs->path) + "\" inode=\"" + std::to_string(f.fs->inode) + "\" state=\"" +
           xml_escape(f.fs->state) + "\"";
      if (f.fs->offset) x += " offset=\"" + std::to_string(*f.fs->offset) + "\"";
      x += "/>\n";
    }
    x += "  </fileobject>\n";
  }
  x += "</dfxml>\n";
  return x;
}

void assign_parents(std::vector<CarvedFile>& files, std::map<std::string, CarveTally>& tally) {
  auto end_of = [](const CarvedFile* f) { return f->offset + (f->runs.empty() ? f->length : f->runs.front().length); };
  std::vector<const CarvedFile*> open;
  for (auto& f : files) {
    f.parent.reset();
    while (!open.empty() && end_of(open.back()) <= f.offset) open.pop_back();
    if (!open.empty()) {
      f.parent = open.back()->offset;
      ++tally[f.type].nested;
    }
    open.push_back(&f);
  }
}

CarvedFile carved_file_from_record(const nlohmann::json& j) {
  CarvedFile f;
  f.offset = j.value("offset", 0ull);
  f.length = j.value("length", 0ull);
  f.type = j.value("type", "");
  f.subtype = j.value("subtype", "");
  if (!parse_choice(j.value("verdict", ""), f.verdict))
    throw Error(ErrorKind::input,
                "a carved_file record's verdict is not " + choice_names(CarveVerdict{}) + ": " + j.value("verdict", ""));
  f.note = j.value("note", "");
  f.file = j.value("file", "");
  f.md5 = j.value("md5", "");
  f.sha256 = j.value("sha256", "");
  if (j.contains("parent") && j["parent"].is_number_unsigned()) f.parent = j["parent"].get<std::uint64_t>();
  f.reassembled = j.value("reassembled", false);
  if (j.contains("byte_runs"))
    for (const auto& run : j["byte_runs"]) f.runs.push_back({run.value("offset", 0ull), run.value("length", 0ull)});
  if (j.contains("known") && j["known"].is_object())
    f.known = CarvedFile::Known{j["known"].value("set", ""), j["known"].value("label", ""), j["known"].value("name", "")};
  if (j.contains("fs") && j["fs"].is_object()) {
    const auto& fs = j["fs"];
    f.fs = FileContext{fs.value("path", ""), fs.value("inode", 0ull), fs.value("state", ""), std::nullopt};
    if (fs.contains("offset")) f.fs->offset = fs["offset"].get<std::uint64_t>();
  }
  return f;
}

nlohmann::json carved_file_record(const std::string& image, const CarvedFile& f) {
  nlohmann::json j{{"record", "carved_file"},
                   {"image", image},
                   {"offset", f.offset},
                   {"length", f.length},
                   {"type", f.type},
                   {"subtype", f.subtype},
                   {"verdict", to_string(f.verdict)},
                   {"file", f.file},
                   {"md5", f.md5},
                   {"sha256", f.sha256}};
  j["parent"] = f.parent ? nlohmann::json(*f.parent) : nlohmann::json(nullptr);
  if (!f.note.empty()) j["note"] = f.note;
  if (f.known) j["known"] = {{"set", f.known->set}, {"label", f.known->label}, {"name", f.known->name}};
  if (f.reassembled) {
    j["reassembled"] = true;
    j["byte_runs"] = nlohmann::json::array();
    for (const auto& run : f.runs) j["byte_runs"].push_back({{"offset", run.offset}, {"length", run.length}});
  }
  if (f.fs) j["fs"] = file_context_json(*f.fs);
  return j;
}

nlohmann::json carving_json(const ScanReport& r, const ScanOptions& o) {
  using nlohmann::json;
  json per_type = json::object();
  std::uint64_t files = 0, bytes = 0;
  for (const auto& [type, t] : r.carve_tally) {
    per_type[type] = {{"hits", t.hits},           {"carved", t.carved}, {"valid", t.valid}, {"truncated", t.truncated},
                      {"corrupt", t.corrupt},     {"nested", t.nested}, {"bytes", t.bytes},
                      {"reassembled", t.reassembled}, {"reassembly_tried", t.reassembly_tried},
                      {"reassembly_skipped", t.reassembly_skipped}};
    files += t.carved;
    bytes += t.bytes;
  }
  return {{"enabled", !o.carve.types.empty() && r.carve_notice.empty()},
          {"types", o.carve.types},
          {"mode", to_string(o.carve.mode)},
          {"max_size", o.carve.max_size},
          {"align", o.carve.align},
          {"reassemble", o.carve.reassemble},
          {"max_gap", o.carve.max_gap},
          {"notice", r.carve_notice},
          {"files", files},
          {"bytes", bytes},
          {"report", r.carve_tally.empty() || o.output.empty() ? "" : "carved/report.xml"},
          {"per_type", per_type}};
}

}  // namespace trawl::detail
