#include "host/case/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "trawl/trawl.hpp"

namespace trawl::detail {
namespace {

// Cells of the device × identifier matrix: occurrences of one identifier on one device, in
// five steps of one purple ramp (the darker half of ColorBrewer's "Purples", so that a single
// occurrence stands out from an empty cell), and the colour of an empty cell.
constexpr std::string_view heat_colours[] = {"#9e9ac8", "#807dba", "#6a51a3", "#54278f", "#3f007d"};
constexpr std::string_view empty_cell = "#f2f2f2";

std::string_view heat_colour(std::uint64_t occurrences) {
  if (occurrences >= 100) return heat_colours[4];
  if (occurrences >= 10) return heat_colours[3];
  if (occurrences >= 4) return heat_colours[2];
  if (occurrences >= 2) return heat_colours[1];
  return heat_colours[0];
}

// At most `chars` code points of UTF-8 text, with an ellipsis when cut.
std::string shorten(std::string_view text, std::size_t chars) {
  std::size_t count = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (count == chars) return std::string(text.substr(0, i)) + "\u2026";
    ++count;
  }
  return std::string(text);
}

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string with_commas(std::uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

constexpr const char* style = R"css(
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;font-size:12px} .cards{display:flex;gap:12px;margin:14px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:22px} .card span{font-size:12px;color:#666}
table{border-collapse:collapse;font-size:12px;margin:6px 0} th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f6f6f6} td.n{text-align:right} .mono{font-family:"DejaVu Sans Mono",monospace}
.legend span{display:inline-block;margin-right:14px;font-size:12px} .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
svg text{font-family:"DejaVu Sans",Arial,sans-serif} .note{font-size:12px;color:#666}
)css";

void legend(std::string& h, const std::vector<std::string>& types) {
  h += "<div class=\"legend\">";
  for (const auto& t : types)
    h += "<span><i style=\"background:" + std::string(type_colour(t)) + "\"></i>" + html_escape(t) + "</span>";
  h += "</div>\n";
}

// Horizontal bars: the top identifiers by the number of devices holding them.
void bar_chart(std::string& h, const Correlation& c, std::size_t top) {
  const std::size_t rows = std::min(top, c.identifiers.size());
  const int label_width = 430, bar_width = 760, row = 22, pad = 24;
  const int height = pad + static_cast<int>(rows) * row + 24;
  // Bars are a share of all devices: a full bar is an identifier on every device.
  const std::uint64_t most = std::max<std::size_t>(1, c.devices.size());
  h += "<svg id=\"top-identifiers\" role=\"img\" width=\"" + std::to_string(label_width + bar_width + 60) + "\" height=\"" +
       std::to_string(height) + "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  h += "<text x=\"" + std::to_string(label_width) + "\" y=\"14\" font-size=\"11\" fill=\"#666\">devices holding the identifier (of " +
       std::to_string(c.devices.size()) + ")</text>\n";
  for (std::size_t i = 0; i < rows; ++i) {
    const auto& s = c.identifiers[i];
    const int y = pad + static_cast<int>(i) * row;
    const double w = static_cast<double>(s.device_count) / static_cast<double>(most) * bar_width;
    h += "<g><title>" + html_escape(s.type + " " + s.value) + ": " + std::to_string(s.device_count) + " devices, " +
         std::to_string(s.occurrences) + " occurrences</title>";
    h += "<text x=\"" + std::to_string(label_width - 8) + "\" y=\"" + std::to_string(y + 15) +
         "\" font-size=\"12\" text-anchor=\"end\">" + html_escape(shorten(s.value, 52)) + " <tspan fill=\"#888\">" +
         html_escape(s.type) + "</tspan></text>";
    h += "<rect x=\"" + std::to_string(label_width) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"" + number(w) +
         "\" height=\"" + std::to_string(row - 4) + "\" fill=\"" + std::string(type_colour(s.type)) + "\"/>";
    h += "<text x=\"" + number(label_width + w + 6) + "\" y=\"" + std::to_string(y + 15) + "\" font-size=\"12\">" +
         std::to_string(s.device_count) + "</text></g>\n";
  }
  h += "</svg>\n";
}

// Devices down, the top shared identifiers across; a cell's shade is the occurrences there.
void matrix(std::string& h, const Correlation& c, std::size_t top) {
  const std::size_t columns = std::min(top, c.identifiers.size());
  const int label_width = 200, header = 170, cell_w = 30, cell_h = 24;
  const int width = label_width + static_cast<int>(columns) * cell_w + 160;
  const int height = header + std::max(static_cast<int>(c.devices.size()) * cell_h, 20 + 5 * 18) + 10;
  h += "<svg id=\"device-identifier-matrix\" role=\"img\" width=\"" + std::to_string(width) + "\" height=\"" +
       std::to_string(height) + "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  for (std::size_t j = 0; j < columns; ++j) {
    const int x = label_width + static_cast<int>(j) * cell_w + cell_w / 2;
    h += "<text font-size=\"11\" transform=\"translate(" + std::to_string(x + 4) + " " + std::to_string(header - 6) +
         ") rotate(-55)\" fill=\"" + std::string(type_colour(c.identifiers[j].type)) + "\">" +
         html_escape(shorten(c.identifiers[j].value, 24)) + "</text>\n";
  }
  for (std::size_t i = 0; i < c.devices.size(); ++i) {
    const auto& d = c.devices[i];
    const int y = header + static_cast<int>(i) * cell_h;
    h += "<text x=\"" + std::to_string(label_width - 8) + "\" y=\"" + std::to_string(y + 16) +
         "\" font-size=\"12\" text-anchor=\"end\">" + html_escape(shorten(d.label, 26)) + "</text>";
    for (std::size_t j = 0; j < columns; ++j) {
      // Devices are few next to identifiers: a linear search per cell is fine.
      const auto& s = c.identifiers[j];
      auto hit = std::find_if(s.devices.begin(), s.devices.end(), [&](const DeviceHit& x) { return x.device == d.id; });
      const int x = label_width + static_cast<int>(j) * cell_w;
      h += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(cell_w - 2) +
           "\" height=\"" + std::to_string(cell_h - 2) + "\" fill=\"" +
           std::string(hit == s.devices.end() ? empty_cell : heat_colour(hit->occurrences)) + "\">";
      if (hit != s.devices.end())
        h += "<title>" + html_escape(d.label + " \u00d7 " + s.value) + ": " + std::to_string(hit->occurrences) +
             " occurrences, first at " + html_escape(hit->first_path) + "</title>";
      h += "</rect>";
    }
    h += "\n";
  }
  // The shade scale.
  const int lx = label_width + static_cast<int>(columns) * cell_w + 20;
  h += "<text x=\"" + std::to_string(lx) + "\" y=\"" + std::to_string(header + 12) + "\" font-size=\"11\" fill=\"#666\">occurrences</text>\n";
  const char* steps[] = {"1", "2\u20133", "4\u20139", "10\u201399", "100+"};
  for (int k = 0; k < 5; ++k) {
    const int y = header + 20 + k * 18;
    h += "<rect x=\"" + std::to_string(lx) + "\" y=\"" + std::to_string(y) + "\" width=\"16\" height=\"14\" fill=\"" +
         std::string(heat_colours[k]) + "\"/><text x=\"" + std::to_string(lx + 22) + "\" y=\"" + std::to_string(y + 11) +
         "\" font-size=\"11\">" + steps[k] + "</text>\n";
  }
  h += "</svg>\n";
}

// One stacked bar per device: its distinct identifiers by type.
void device_bars(std::string& h, const Correlation& c, const std::vector<std::string>& types) {
  const int label_width = 200, bar_width = 900, row = 24, pad = 10;
  std::uint64_t most = 1;
  for (const auto& d : c.devices) {
    std::uint64_t total = 0;
    for (const auto& [t, n] : d.distinct_by_type) total += n;
    most = std::max(most, total);
  }
  const int height = pad + static_cast<int>(c.devices.size()) * row + 10;
  h += "<svg id=\"per-device\" role=\"img\" width=\"" + std::to_string(label_width + bar_width + 80) + "\" height=\"" +
       std::to_string(height) + "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  for (std::size_t i = 0; i < c.devices.size(); ++i) {
    const auto& d = c.devices[i];
    const int y = pad + static_cast<int>(i) * row;
    h += "<text x=\"" + std::to_string(label_width - 8) + "\" y=\"" + std::to_string(y + 15) +
         "\" font-size=\"12\" text-anchor=\"end\">" + html_escape(shorten(d.label, 26)) + "</text>";
    double x = label_width;
    std::uint64_t total = 0;
    for (const auto& t : types) {
      auto it = d.distinct_by_type.find(t);
      if (it == d.distinct_by_type.end() || !it->second) continue;
      const double w = static_cast<double>(it->second) / static_cast<double>(most) * bar_width;
      h += "<rect x=\"" + number(x) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" + number(w) + "\" height=\"" +
           std::to_string(row - 6) + "\" fill=\"" + std::string(type_colour(t)) + "\"><title>" + html_escape(d.label) + ": " +
           std::to_string(it->second) + " distinct " + html_escape(t) + "</title></rect>";
      x += w;
      total += it->second;
    }
    h += "<text x=\"" + number(x + 6) + "\" y=\"" + std::to_string(y + 16) + "\" font-size=\"12\">" + with_commas(total) +
         "</text>\n";
  }
  h += "</svg>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += "\uFFFD";
        else out += ch;
    }
  }
  return out;
}

std::string_view type_colour(std::string_view type) {
  if (type == "phone") return "#1f77b4";
  if (type == "email") return "#ff7f0e";
  if (type == "url") return "#2ca02c";
  if (type == "adid") return "#d62728";
  if (type == "iban") return "#9467bd";
  if (type == "card") return "#8c564b";
  return "#7f7f7f";
}

std::string case_report_html(const Correlation& c, const ReportOptions& options) {
  // Types in a fixed order: the built-in ones first, then any from rule files, by name.
  std::vector<std::string> types = {"phone", "email", "url", "adid", "iban", "card"};
  std::set<std::string> present;
  for (const auto& d : c.devices)
    for (const auto& [t, n] : d.distinct_by_type) present.insert(t);
  std::erase_if(types, [&](const std::string& t) { return !present.count(t); });
  for (const auto& t : present)
    if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);

  std::uint64_t occurrences = 0;
  for (const auto& d : c.devices)
    for (const auto& [t, n] : d.occurrences_by_type) occurrences += n;

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n";
  h += "<title>trawl case report: " + html_escape(options.case_name) + "</title>\n<style>" + std::string(style) + "</style></head>\n<body>\n";
  h += "<h1>Case " + html_escape(options.case_name) + "</h1>\n";
  h += "<div class=\"sub\">trawl " + html_escape(std::string(version())) + " correlation of a case built " +
       html_escape(c.case_created_utc) + " by " + html_escape(c.case_created_by) + "; shared = on at least " +
       std::to_string(c.options.min_devices) + " devices; near = at most " + std::to_string(c.options.near_bytes) +
       " bytes apart</div>\n";
  h += "<div class=\"cards\">";
  auto card = [&](std::uint64_t n, const char* what) {
    h += "<div class=\"card\"><b>" + with_commas(n) + "</b><span>" + what + "</span></div>";
  };
  card(c.devices.size(), "devices");
  card(occurrences, "identifier occurrences");
  card(c.total_identifiers, "shared identifiers");
  card(c.total_near, "phone \u2194 ad id pairs");
  card(c.total_files, "shared carved files");
  h += "</div>\n";

  h += "<h2>Top identifiers by device count</h2>\n";
  if (c.identifiers.empty()) {
    h += "<p class=\"note\">No identifier is on " + std::to_string(c.options.min_devices) + " or more devices.</p>\n";
  } else {
    legend(h, types);
    bar_chart(h, c, options.top);
    h += "<h2>Devices \u00d7 shared identifiers</h2>\n";
    matrix(h, c, options.top);
  }
  h += "<h2>Identifiers per device (distinct, by type)</h2>\n";
  legend(h, types);
  device_bars(h, c, types);

  h += "<h2>Devices</h2>\n<table><tr><th>device</th><th>image</th><th class=\"n\">bytes</th><th>SHA-256</th>";
  for (const auto& t : types) h += "<th>" + html_escape(t) + "</th>";
  h += "<th>shared identifiers</th><th>carved files</th><th>shared files</th><th>notes</th></tr>\n";
  for (const auto& d : c.devices) {
    h += "<tr><td>" + html_escape(d.label) + (d.interrupted ? " <b>(interrupted scan)</b>" : "") + "</td><td>" +
         html_escape(d.image) + "</td><td class=\"n\">" + with_commas(static_cast<std::uint64_t>(d.image_size)) +
         "</td><td class=\"mono\">" + html_escape(d.sha256.substr(0, 16)) + (d.sha256.size() > 16 ? "\u2026" : "") + "</td>";
    for (const auto& t : types) {
      auto it = d.occurrences_by_type.find(t);
      auto distinct = d.distinct_by_type.find(t);
      h += "<td class=\"n\">" + (it == d.occurrences_by_type.end() ? std::string("0") : with_commas(it->second) + " (" + with_commas(distinct->second) + ")") + "</td>";
    }
    h += "<td class=\"n\">" + with_commas(d.shared_identifiers) + "</td><td class=\"n\">" + with_commas(d.carved_files) +
         "</td><td class=\"n\">" + with_commas(d.shared_files) + "</td><td>" + html_escape(d.notes) + "</td></tr>\n";
  }
  h += "</table>\n<p class=\"note\">Per type: occurrences (distinct identifiers).</p>\n";

  // Each table shows the top of its list; the CSV and JSON Lines files beside the report hold all.
  auto rows_note = [&](std::uint64_t total, std::size_t kept, const std::string& name) {
    const std::uint64_t shown = std::min<std::uint64_t>(total, std::min(options.table_rows, kept));
    h += "<p class=\"note\">" + (shown < total ? "The first " + with_commas(shown) + " of " : std::string("All ")) +
         with_commas(total) + "; every one, with every device, in <a href=\"" + name + ".csv\">" + name +
         ".csv</a> and <a href=\"" + name + ".jsonl\">" + name + ".jsonl</a>.</p>\n";
  };
  auto more = [&](std::uint64_t all, std::size_t listed) {
    if (all > listed) h += "\u2026 and " + with_commas(all - listed) + " more devices (CSV)<br>";
  };
  h += "<h2>Shared identifiers</h2>\n";
  if (!c.shared_by_type.empty()) {
    h += "<p class=\"note\">By type:";
    for (const auto& t : types)
      if (auto it = c.shared_by_type.find(t); it != c.shared_by_type.end()) h += " " + html_escape(t) + " " + with_commas(it->second) + ";";
    for (const auto& [t, n] : c.shared_by_type)
      if (std::find(types.begin(), types.end(), t) == types.end()) h += " " + html_escape(t) + " " + with_commas(n) + ";";
    h += "</p>\n";
  }
  rows_note(c.total_identifiers, c.identifiers.size(), "shared_identifiers");
  h += "<table><tr><th>#</th><th>type</th><th>identifier</th><th>devices</th><th>occurrences</th><th>first seen (device: forensic path)</th></tr>\n";
  for (std::size_t i = 0; i < c.identifiers.size() && i < options.table_rows; ++i) {
    const auto& s = c.identifiers[i];
    h += "<tr><td class=\"n\">" + std::to_string(i + 1) + "</td><td>" + html_escape(s.type) + "</td><td class=\"mono\">" +
         html_escape(s.value) + "</td><td class=\"n\">" + std::to_string(s.device_count) + "</td><td class=\"n\">" +
         std::to_string(s.occurrences) + "</td><td>";
    for (const auto& d : s.devices) h += html_escape(d.label) + ": " + html_escape(d.first_path) + "<br>";
    more(s.device_count, s.devices.size());
    h += "</td></tr>\n";
  }
  h += "</table>\n";

  h += "<h2>Phone numbers near ad identifiers</h2>\n";
  rows_note(c.total_near, c.near.size(), "phone_near_adid");
  h += "<table><tr><th>#</th><th>phone</th><th>ad identifier</th><th>devices</th><th>pairs</th><th>closest (bytes)</th><th>device: phone at / ad id at</th></tr>\n";
  for (std::size_t i = 0; i < c.near.size() && i < options.table_rows; ++i) {
    const auto& n = c.near[i];
    h += "<tr><td class=\"n\">" + std::to_string(i + 1) + "</td><td class=\"mono\">" + html_escape(n.phone) +
         "</td><td class=\"mono\">" + html_escape(n.adid) + "</td><td class=\"n\">" + std::to_string(n.device_count) +
         "</td><td class=\"n\">" + std::to_string(n.pairs) + "</td><td class=\"n\">" + std::to_string(n.min_distance) + "</td><td>";
    for (const auto& p : n.devices)
      h += html_escape(p.label) + ": " + html_escape(p.phone_path) + " / " + html_escape(p.adid_path) + "<br>";
    more(n.device_count, n.devices.size());
    h += "</td></tr>\n";
  }
  h += "</table>\n";

  h += "<h2>Carved files on several devices</h2>\n";
  rows_note(c.total_files, c.files.size(), "shared_files");
  h += "<table><tr><th>#</th><th>SHA-256</th><th>type</th><th>bytes</th><th>devices</th><th>copies</th><th>device: offset, file, verdict</th></tr>\n";
  for (std::size_t i = 0; i < c.files.size() && i < options.table_rows; ++i) {
    const auto& f = c.files[i];
    h += "<tr><td class=\"n\">" + std::to_string(i + 1) + "</td><td class=\"mono\">" + html_escape(f.sha256) + "</td><td>" +
         html_escape(f.type) + "</td><td class=\"n\">" + with_commas(static_cast<std::uint64_t>(f.length)) +
         "</td><td class=\"n\">" + std::to_string(f.device_count) + "</td><td class=\"n\">" + std::to_string(f.copies) + "</td><td>";
    for (const auto& d : f.devices)
      h += html_escape(d.label) + ": " + std::to_string(d.offset) + ", " + html_escape(d.file) + ", " + html_escape(d.verdict) + "<br>";
    more(f.device_count, f.devices.size());
    h += "</td></tr>\n";
  }
  h += "</table>\n</body></html>\n";
  return h;
}

}  // namespace trawl::detail
