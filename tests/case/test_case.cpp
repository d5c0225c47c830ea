// `trawl case build|correlate` end to end: generated devices (random bytes with planted phone
// numbers, e-mail addresses, URLs, ad ids and a PNG, some shared by two to four devices, some on
// one only) are scanned with the CLI, loaded into a case database, and correlated; the
// correlation must find exactly the planted shared things.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <zlib.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "host/case/case_db.hpp"
#include "host/case/correlate.hpp"
#include "host/case/report.hpp"
#include "support/test_support.hpp"

namespace trawl::test {
namespace {

using nlohmann::json;

std::string q(const fs::path& p) { return shell_quote(p.string()); }

// A small valid PNG (RGB, 8 bits) whose pixels depend on `seed`.
std::string make_png(std::uint32_t width, std::uint32_t height, unsigned seed) {
  std::string raw;
  for (std::uint32_t y = 0; y < height; ++y) {
    raw += '\0';
    for (std::uint32_t x = 0; x < width * 3; ++x) raw += static_cast<char>((x * 7 + y * 13 + seed * 31) & 0xff);
  }
  uLongf size = compressBound(raw.size());
  std::string deflated(size, '\0');
  compress2(reinterpret_cast<Bytef*>(deflated.data()), &size, reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 9);
  deflated.resize(size);
  auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  auto chunk = [&](const std::string& type, const std::string& data) {
    std::string body = type + data;
    auto crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    return be32(static_cast<std::uint32_t>(data.size())) + body + be32(static_cast<std::uint32_t>(crc));
  };
  std::string ihdr = be32(width) + be32(height) + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", deflated) + chunk("IEND", "");
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[32];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &n, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += std::string{hex[digest[i] >> 4], hex[digest[i] & 15]};
  return out;
}

// What is planted where. `feature` is the text the scan reports (it starts one byte after the
// planted offset, behind a space); `value` its normalised form.
struct Plant {
  std::string type, feature, value;
  std::map<std::string, std::uint64_t> where;  // device -> offset of the planted text
};

const std::vector<std::string> device_names = {"dev-a", "dev-b", "dev-c", "dev-d"};
constexpr std::size_t device_size = 1 << 20;
constexpr std::uint64_t png_offset = 700000;

// The phone on dev-a at 100001 (17 bytes) and the ad id at 100061: 43 bytes apart. On dev-c
// they are 100000 bytes apart.
const std::vector<Plant>& plants() {
  static const std::vector<Plant> p = {
      {"phone", "+33 6 12 34 56 78", "+33612345678", {{"dev-a", 100000}, {"dev-b", 200000}, {"dev-c", 300000}}},
      {"adid", "advertising_id: 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "maid:6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
       {{"dev-a", 100060}, {"dev-c", 400000}}},
      {"email", "alice.martin@example.org", "alice.martin@example.org", {{"dev-a", 150000}, {"dev-b", 150000}}},
      {"email", "boss@cartel-example.com", "boss@cartel-example.com",
       {{"dev-a", 250000}, {"dev-b", 260000}, {"dev-c", 270000}, {"dev-d", 280000}}},
      {"url", "https://shared.example.net/drop/42", "https://shared.example.net/drop/42",
       {{"dev-b", 350000}, {"dev-c", 360000}, {"dev-d", 370000}}},
      {"phone", "+49 30 901820", "+4930901820", {{"dev-c", 450000}, {"dev-d", 460000}}},
      // On one device only (twice on dev-a: still not shared).
      {"phone", "+44 7911 123456", "+447911123456", {{"dev-a", 500000}}},
      {"phone", "+44 7911 123456", "+447911123456", {{"dev-a", 600000}}},
      {"email", "a.only@example.com", "a.only@example.com", {{"dev-a", 510000}}},
      {"url", "https://b-only.example.org/x", "https://b-only.example.org/x", {{"dev-b", 520000}}},
      {"adid", "idfa=9b2f6a1e-3c4d-4e5f-8a6b-7c8d9e0f1a2b", "maid:9b2f6a1e-3c4d-4e5f-8a6b-7c8d9e0f1a2b", {{"dev-c", 530000}}},
      {"phone", "+34 612 34 56 78", "+34612345678", {{"dev-d", 540000}}},
  };
  return p;
}

// The shared PNG is on dev-b and dev-d; dev-a holds a different one.
const std::string& shared_png() {
  static const std::string png = make_png(24, 16, 1);
  return png;
}

// The rows of a query, columns joined with '|', one line per row.
std::string query(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open " + file.string();
  }
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) out = std::string("bad query: ") + sqlite3_errmsg(db);
  while (s && sqlite3_step(s) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(s); ++i) {
      const auto* text = sqlite3_column_text(s, i);
      out += (i ? "|" : "") + std::string(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    out += '\n';
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

class Case : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    for (std::size_t i = 0; i < device_names.size(); ++i) {
      const auto& name = device_names[i];
      auto bytes = random_bytes(device_size, 1000 + i);
      auto put = [&](std::uint64_t offset, const std::string& text) {
        ASSERT_LE(offset + text.size(), bytes.size());
        std::memcpy(bytes.data() + offset, text.data(), text.size());
      };
      for (const auto& p : plants())
        if (auto it = p.where.find(name); it != p.where.end()) put(it->second, " " + p.feature + " ");
      if (name == "dev-b" || name == "dev-d") put(png_offset, shared_png());
      if (name == "dev-a") put(png_offset, make_png(20, 20, 2));
      write_file(dir_->evidence(name + ".raw"), bytes);
      auto r = run(cli() + " scan " + q(dir_->evidence(name + ".raw")) + " -o " + q(*dir_ / "scans" / name) +
                   " --carve png --block-hash none --hash md5 -q");
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    auto r = run(cli() + " case build " + folders() + " -o " + q(*dir_ / "case.db"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run(cli() + " case correlate " + q(*dir_ / "case.db") + " -o " + q(*dir_ / "report") + " -q");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string folders() {
    std::string out;
    for (const auto& name : device_names) out += " " + q(*dir_ / "scans" / name);
    return out;
  }
  static json read_json(const fs::path& file) { return json::parse(read_text(file)); }
  // A correlation's JSON Lines file: its header line, and the list of the entries after it.
  struct Jsonl {
    json header;
    std::vector<json> entries;
  };
  static Jsonl read_jsonl(const fs::path& file) {
    Jsonl out;
    std::istringstream in(read_text(file));
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line);
      if (j["record"] == "header") out.header = j;
      else out.entries.push_back(j);
    }
    return out;
  }
  static TempDir* dir_;
};
TempDir* Case::dir_ = nullptr;

TEST_F(Case, FindsExactlyThePlantedSharedIdentifiersWithTheirDevicesAndFirstOffsets) {
  // Expected: every (type, value) planted on two or more devices, with its devices and the
  // offset of its first feature on each.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::uint64_t>> planted;
  for (const auto& p : plants())
    for (const auto& [device, offset] : p.where) {
      auto& first = planted[{p.type, p.value}];
      if (!first.count(device) || first[device] > offset + 1) first[device] = offset + 1;
    }
  std::erase_if(planted, [](const auto& entry) { return entry.second.size() < 2; });
  ASSERT_EQ(planted.size(), 6u);

  auto shared = read_jsonl(dir_->path() / "report" / "shared_identifiers.jsonl");
  EXPECT_EQ(shared.header["schema"], "trawl-case-shared-identifiers");
  EXPECT_EQ(shared.header["schema_version"], 2);
  EXPECT_EQ(shared.header["min_devices"], 2);
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::uint64_t>> found;
  std::uint64_t previous = UINT64_MAX, rank = 0;
  for (const auto& s : shared.entries) {
    EXPECT_EQ(s["record"], "shared_identifier");
    EXPECT_EQ(s["rank"], ++rank);
    auto& devices = found[{s["type"], s["value"]}];
    for (const auto& d : s["devices"]) devices[d["device"]] = d["first_offset"];
    EXPECT_EQ(s["device_count"].get<std::size_t>(), s["devices"].size());
    EXPECT_LE(s["device_count"].get<std::uint64_t>(), previous) << "not ranked by device count";
    previous = s["device_count"];
  }
  EXPECT_EQ(found, planted);
  EXPECT_EQ(shared.entries.at(0)["value"], "boss@cartel-example.com");  // the one on all four

  // The CSV says the same: one row per identifier and device.
  std::string csv = read_text(dir_->path() / "report" / "shared_identifiers.csv");
  std::size_t rows = 0;
  for (const auto& [key, devices] : planted) rows += devices.size();
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(rows + 1)) << csv;
  EXPECT_NE(csv.find("phone,+4930901820,2,2,dev-c,450001,450001,1\n"), std::string::npos) << csv;
}

TEST_F(Case, PhoneNearAnAdIdIsListedWithinTheDistanceAndNotBeyondIt) {
  auto near = read_jsonl(dir_->path() / "report" / "phone_near_adid.jsonl");
  EXPECT_EQ(near.header["near_bytes"], 256);
  ASSERT_EQ(near.entries.size(), 1u);
  const auto& pair = near.entries[0];
  EXPECT_EQ(pair["phone"], "+33612345678");
  EXPECT_EQ(pair["adid"], "maid:6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f");
  ASSERT_EQ(pair["devices"].size(), 1u);  // on dev-c the two are 100 kB apart
  EXPECT_EQ(pair["devices"][0]["device"], "dev-a");
  EXPECT_EQ(pair["devices"][0]["phone_offset"], 100001);
  EXPECT_EQ(pair["devices"][0]["adid_offset"], 100061);
  EXPECT_EQ(pair["devices"][0]["distance"], 100061 - (100001 + 17));

  // --near below the gap: not near any more; exactly the gap: near.
  auto r = run(cli() + " case correlate " + q(dir_->path() / "case.db") + " -o " + q(dir_->path() / "near42") + " --near 42 -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_jsonl(dir_->path() / "near42" / "phone_near_adid.jsonl").entries.size(), 0u);
  r = run(cli() + " case correlate " + q(dir_->path() / "case.db") + " -o " + q(dir_->path() / "near43") + " --near 43 -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_jsonl(dir_->path() / "near43" / "phone_near_adid.jsonl").entries.size(), 1u);
  // A distance large enough reaches dev-c's pair too.
  r = run(cli() + " case correlate " + q(dir_->path() / "case.db") + " -o " + q(dir_->path() / "near1m") + " --near 1M -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto far = read_jsonl(dir_->path() / "near1m" / "phone_near_adid.jsonl");
  bool both = false;
  for (const auto& p : far.entries)
    if (p["phone"] == "+33612345678" && p["adid"] == "maid:6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f") both = p["devices"].size() == 2;
  EXPECT_TRUE(both) << read_text(dir_->path() / "near1m" / "phone_near_adid.jsonl");
}

TEST_F(Case, APngCarvedOnTwoDevicesIsSharedByItsHash) {
  auto files = read_jsonl(dir_->path() / "report" / "shared_files.jsonl");
  ASSERT_EQ(files.entries.size(), 1u);
  const auto& f = files.entries[0];
  EXPECT_EQ(f["sha256"], sha256_hex(shared_png()));
  EXPECT_EQ(f["type"], "png");
  EXPECT_EQ(f["length"], shared_png().size());
  ASSERT_EQ(f["devices"].size(), 2u);
  EXPECT_EQ(f["devices"][0]["device"], "dev-b");
  EXPECT_EQ(f["devices"][1]["device"], "dev-d");
  EXPECT_EQ(f["devices"][0]["first_offset"], png_offset);
  // dev-a's own PNG was carved too, but is on no other device.
  EXPECT_EQ(query(dir_->path() / "case.db", "SELECT d.label, c.offset, c.type, c.verdict FROM carved_files c JOIN devices d "
                                            "ON d.id = c.device_id ORDER BY d.label"),
            "dev-a|700000|png|valid\ndev-b|700000|png|valid\ndev-d|700000|png|valid\n");
}

TEST_F(Case, TheDatabaseHoldsEveryOccurrenceWithItsSchemaVersion) {
  auto scalar = [&](const std::string& sql) {
    std::string out = query(dir_->path() / "case.db", sql);
    return out.empty() ? out : out.substr(0, out.size() - 1);
  };
  EXPECT_EQ(scalar("PRAGMA user_version"), "2");
  EXPECT_EQ(scalar("SELECT value FROM meta WHERE key = 'schema_version'"), "2");
  EXPECT_EQ(scalar("SELECT group_concat(label, ',') FROM (SELECT label FROM devices ORDER BY label)"), "dev-a,dev-b,dev-c,dev-d");
  // Every planted occurrence is there, at its offset, under its normalised value.
  for (const auto& p : plants())
    for (const auto& [device, offset] : p.where)
      EXPECT_EQ(scalar("SELECT COUNT(*) FROM occurrences o JOIN identifiers i ON i.id = o.identifier_id JOIN devices d ON "
                       "d.id = o.device_id WHERE d.label = '" + device + "' AND i.type = '" + p.type + "' AND i.value = '" +
                       p.value + "' AND o.offset = " + std::to_string(offset + 1)),
                "1")
          << p.value << " on " << device;
  // As many occurrences as the scans' feature files hold lines.
  std::uint64_t lines = 0;
  for (const auto& name : device_names) {
    auto text = read_text(dir_->path() / "scans" / name / "features" / "features.jsonl");
    lines += static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM occurrences"), std::to_string(lines));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM occurrences WHERE fs_path IS NOT NULL"), "0");
}

TEST_F(Case, OutputsAreTheSameWhateverTheOrderTheFoldersWereLoadedIn) {
  std::string reversed;
  for (auto it = device_names.rbegin(); it != device_names.rend(); ++it) reversed += " " + q(dir_->path() / "scans" / *it);
  TempDir other;
  auto r = run(cli() + " case build " + reversed + " -o " + q(other / "case.db") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " case correlate " + q(other / "case.db") + " -o " + q(other / "report") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"shared_identifiers.csv", "shared_identifiers.jsonl", "phone_near_adid.csv", "phone_near_adid.jsonl",
                           "shared_files.csv", "shared_files.jsonl"})
    EXPECT_EQ(read_text(other / "report" / name), read_text(dir_->path() / "report" / name)) << name;
  // A batch output folder (one sub-folder per device, no summary of its own) loads all its scans.
  r = run(cli() + " case build " + q(dir_->path() / "scans") + " -o " + q(other / "batch.db") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " case correlate " + q(other / "batch.db") + " -o " + q(other / "batch") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(other / "batch" / "shared_identifiers.jsonl"), read_text(dir_->path() / "report" / "shared_identifiers.jsonl"));
  // Without -o: the shared identifiers as CSV on stdout.
  r = run(cli() + " case correlate " + q(other / "case.db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, read_text(dir_->path() / "report" / "shared_identifiers.csv"));
}

// A copy of a scan folder whose summary.json gets a device object and whose first feature
// record gets file-system context, as batch runs and the file-system layer will write them.
fs::path labelled_copy(const fs::path& from, const fs::path& to, const std::string& label) {
  fs::copy(from, to, fs::copy_options::recursive);
  auto summary = json::parse(read_text(to / "summary.json"));
  summary["device"] = {{"label", label}, {"notes", "seized <b>2026</b>"}};
  std::ofstream(to / "summary.json", std::ios::trunc) << summary.dump(2);
  auto text = read_text(to / "features" / "features.jsonl");
  auto first = json::parse(text.substr(0, text.find('\n')));
  first["fs"] = {{"path", "/data/app/ads.db"}, {"inode", 4242}, {"state", "deleted"}, {"offset", 96}};
  std::ofstream(to / "features" / "features.jsonl", std::ios::trunc) << first.dump() << text.substr(text.find('\n'));
  return to;
}

TEST_F(Case, DeviceLabelsComeFromTheSummaryAndHostileTextIsEscaped) {
  TempDir other;
  const std::string hostile = "<script>alert('x')</script>&\"phone\",=1";
  auto a = labelled_copy(dir_->path() / "scans" / "dev-a", other / "a", hostile);
  auto r = run(cli() + " case build " + q(a) + " " + q(dir_->path() / "scans" / "dev-b") + " -o " + q(other / "case.db") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " case correlate " + q(other / "case.db") + " -o " + q(other / "report") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto html = read_text(other / "report" / "report.html");
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>2026"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;phone&quot;,=1"), std::string::npos);
  auto csv = read_text(other / "report" / "shared_identifiers.csv");
  EXPECT_NE(csv.find(",\"<script>alert('x')</script>&\"\"phone\"\",=1\","), std::string::npos) << csv;
  auto shared = read_jsonl(other / "report" / "shared_identifiers.jsonl");
  std::set<std::string> labels;
  for (const auto& s : shared.entries)
    for (const auto& d : s["devices"]) labels.insert(d["device"]);
  EXPECT_EQ(labels, (std::set<std::string>{hostile, "dev-b"}));

  EXPECT_EQ(query(other / "case.db", "SELECT d.notes, o.fs_path, o.fs_inode, o.fs_state, o.fs_offset FROM occurrences o "
                                     "JOIN devices d ON d.id = o.device_id WHERE o.fs_path IS NOT NULL"),
            "seized <b>2026</b>|/data/app/ads.db|4242|deleted|96\n");
}

// The case database's nearness reads positions through the same parser: a feature inside decoded
// data is near others of the same stream, one in the image's bytes near others there.
TEST(CaseNearness, StreamPositionsComeFromTheForensicPathParser) {
  EXPECT_EQ(detail::stream_position("1048576-GZIP-300", 1048576).container, std::optional<std::string>("1048576-GZIP"));
  EXPECT_EQ(detail::stream_position("1048576-GZIP-300", 1048576).offset, 300);
  EXPECT_EQ(detail::stream_position("4096", 4096).container, std::optional<std::string>(""));
  EXPECT_EQ(detail::stream_position("4096", 4096).offset, 4096);
  EXPECT_EQ(detail::stream_position("a.db:4096-BPLIST-12", 0).container, std::optional<std::string>("a.db:4096-BPLIST"));
  EXPECT_FALSE(detail::stream_position("12-GZIP-x", 12).container);
}

// What every Linux image holds in some form, written by the test: licence notices with postal
// addresses, contract clauses, man-page text with versions, dates and identifiers, and what PDF
// pages and fonts hold (a drawing's coordinates, a font's bounding box and widths, text arrays
// with kerning, a CMap's rows). None of it is a phone number.
std::string system_like_content() {
  return "Free Software Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA\n"
         "59 Temple Place, Suite 330, Boston, MA  02111-1307  USA\n"
         "Rights in Technical Data and Computer Software clause at DFARS 252.227-7013 and FAR 52.227-19.\n"
         "Use, duplication or disclosure is subject to DFARS 252.227-7014 (a)(1).\n"
         "ls(1) GNU coreutils 9.1 2022-09-20; pdfTeX beta-0.75.0-2013031401 (TeX Live 2013)\n"
         "Message-Id: <dcda0127-2f45-93a3-0736-27259a33bffa@example.org> hash 82563aa0396805008059e3a96c2bf30b59c5\n"
         "/FontBBox[-451 -316 731 1016]/Ascent 1016\n/FontBBox{-454 -308 734 1039}readonly def\n"
         "/Widths [ 278 252 1761 374 1762 497 1763 620 1764 742 212 555 0199 250 ]\n"
         "q 1 0 0 1 72 720 cm 643.406 1363 m\n954.871 1363 l\nS 0 0 100 100 re 20 20 60 60 re f\n"
         "BT /F1 9.598 Tf [(03/21/95)-525(10:00)-1050(6.0)]TJ [(01)-750(02)-750(03)]TJ (2147483647)Tj ET\n"
         "7 337 20 367 21 533 24 563\n25 739 28 774\n31 802 33 900\n"
         "1196 504 1197 1207 515 1208[430]1209 1213 613 1214[449]1215\n"
         "digits 0123456789 fill 03.03.03.03.03 1111111111\n";
}

// Two unrelated devices whose images hold the same system-like content, as text and inside a
// deflated stream (as PDFs keep it), each with one phone of its own: the case links them through
// no phone number, and each device's own number is still found.
TEST(CaseOfUnrelatedDevices, SystemLikeContentLinksThemThroughNoPhone) {
  TempDir dir;
  const std::string text = system_like_content();
  uLongf size = compressBound(text.size());
  std::string deflated(size, '\0');
  compress2(reinterpret_cast<Bytef*>(deflated.data()), &size, reinterpret_cast<const Bytef*>(text.data()), text.size(), 9);
  deflated.resize(size);
  const std::map<std::string, std::string> own = {{"laptop", "+33 6 12 34 56 78"}, {"phone", "+49 30 901820"}};
  std::string folders;
  unsigned seed = 77;
  for (const auto& [name, number] : own) {
    auto bytes = random_bytes(1 << 20, seed++);
    auto put = [&](std::uint64_t offset, const std::string& s) { std::memcpy(bytes.data() + offset, s.data(), s.size()); };
    put(seed * 1000, text);
    put(300000 + seed * 512, deflated);
    put(600000, " call " + number + " now ");
    write_file(dir.evidence(name + ".raw"), bytes);
    auto r = run(cli() + " scan " + q(dir.evidence(name + ".raw")) + " -o " + q(dir / name) +
                 " --carve none --block-hash none --hash md5 -q");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string phones = read_text(dir / name / "features" / "phone.txt");
    EXPECT_NE(phones.find(number), std::string::npos) << name << ": its own number is not found:\n" << phones;
    folders += " " + q(dir / name);
  }
  auto r = run(cli() + " case build" + folders + " -o " + q(dir / "case.db"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " case correlate " + q(dir / "case.db") + " -o " + q(dir / "report") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream shared(read_text(dir / "report" / "shared_identifiers.jsonl"));
  std::size_t lines = 0;
  for (std::string line; std::getline(shared, line); ++lines) {
    const json j = json::parse(line);
    EXPECT_NE(j.value("type", ""), "phone") << "a phone links the unrelated devices: " << line;
  }
  EXPECT_GE(lines, 1u);  // the header
}

TEST_F(Case, BadInputIsOneLineAndTheDocumentedExitCode) {
  TempDir other;
  auto one_line = [](const CommandResult& r) {
    return r.err.rfind("trawl: ", 0) == 0 && std::count(r.err.begin(), r.err.end(), '\n') == 1;
  };
  const auto build = cli() + " case build ";
  // A folder that does not exist, and one that is not a scan output.
  auto r = run(build + q(other / "nowhere") + " -o " + q(other / "x.db"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(one_line(r)) << r.err;
  fs::create_directories(other / "empty");
  r = run(build + q(other / "empty") + " -o " + q(other / "x.db"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no summary.json"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(other / "x.db"));
  // A malformed feature record: input error, and no database (not even a partial one) is left.
  fs::copy(dir_->path() / "scans" / "dev-c", other / "broken", fs::copy_options::recursive);
  std::ofstream(other / "broken" / "features" / "features.jsonl", std::ios::app) << "{\"record\":\"feature\",\"type\":\"phone\"\n";
  r = run(build + q(dir_->path() / "scans" / "dev-a") + " " + q(other / "broken") + " -o " + q(other / "x.db"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(one_line(r)) << r.err;
  EXPECT_NE(r.err.find("features.jsonl"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(other / "x.db"));
  EXPECT_FALSE(fs::exists(other / "x.db.partial"));
  // A scan from before features.jsonl existed: refused with the reason, not loaded without identifiers.
  fs::copy(dir_->path() / "scans" / "dev-d", other / "old", fs::copy_options::recursive);
  fs::remove(other / "old" / "features" / "features.jsonl");
  r = run(build + q(other / "old") + " -o " + q(other / "x.db"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("scan again"), std::string::npos) << r.err;
  // Two folders with one name: the labels would clash.
  fs::create_directories(other / "again");
  fs::copy(dir_->path() / "scans" / "dev-a", other / "again" / "dev-a", fs::copy_options::recursive);
  r = run(build + q(dir_->path() / "scans" / "dev-a") + " " + q(other / "again" / "dev-a") + " -o " + q(other / "x.db"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("label"), std::string::npos) << r.err;
  // An existing database: refused without --force; --append adds, but not a device twice.
  r = run(build + q(dir_->path() / "scans" / "dev-a") + " -o " + q(other / "x.db") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(build + q(dir_->path() / "scans" / "dev-b") + " -o " + q(other / "x.db"));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(one_line(r)) << r.err;
  r = run(build + q(dir_->path() / "scans" / "dev-a") + " -o " + q(other / "x.db") + " --append");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  r = run(build + q(dir_->path() / "scans" / "dev-b") + " " + q(dir_->path() / "scans" / "dev-c") + " " +
          q(dir_->path() / "scans" / "dev-d") + " -o " + q(other / "x.db") + " --append -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " case correlate " + q(other / "x.db") + " -o " + q(other / "appended") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(other / "appended" / "shared_identifiers.csv"), read_text(dir_->path() / "report" / "shared_identifiers.csv"));
  r = run(build + q(dir_->path() / "scans" / "dev-b") + " -o " + q(other / "x.db") + " --force -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Correlating something that is not a case database, or nothing.
  r = run(cli() + " case correlate " + q(dir_->evidence("dev-a.raw")));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(one_line(r)) << r.err;
  r = run(cli() + " case correlate " + q(other / "none.db"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  // A case of another schema version is refused, not misread.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((other / "x.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 3", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  r = run(cli() + " case correlate " + q(other / "x.db"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("schema version 3"), std::string::npos) << r.err;
  // Earlier outputs are not overwritten without --force.
  r = run(cli() + " case correlate " + q(dir_->path() / "case.db") + " -o " + q(dir_->path() / "report"));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  // Usage.
  r = run(cli() + " case build -o " + q(other / "y.db"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run(cli() + " case frobnicate");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

// A copy of a scan folder with extra feature records appended to its features.jsonl.
fs::path copy_with_features(const fs::path& from, const fs::path& to, const std::vector<json>& records) {
  fs::copy(from, to, fs::copy_options::recursive);
  std::ofstream out(to / "features" / "features.jsonl", std::ios::app);
  for (const auto& r : records) out << r.dump() << '\n';
  return to;
}

json feature(const std::string& type, const std::string& value, std::int64_t offset, const std::string& path) {
  return {{"record", "feature"}, {"type", type}, {"normalised", value}, {"raw", value}, {"offset", offset}, {"path", path},
          {"length", static_cast<std::int64_t>(value.size())}, {"rule", type}, {"valid", true}};
}

// Regression: the first path of an identifier on a device came from whichever row SQLite took for
// MIN(offset); two matches in one compressed stream share their offset, so it depended on load
// order. It is now the lowest path at the lowest offset.
TEST_F(Case, FirstPathIsTieBrokenByPathWhenTwoMatchesShareTheirOffset) {
  TempDir other;
  const std::string boss = "boss@cartel-example.com";
  auto a = copy_with_features(dir_->path() / "scans" / "dev-a", other / "a",
                              {feature("email", boss, 5, "5-GZIP-90"), feature("email", boss, 5, "5-GZIP-9")});
  auto r = run(cli() + " case build " + q(a) + " " + q(dir_->path() / "scans" / "dev-b") + " -o " + q(other / "case.db") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " case correlate " + q(other / "case.db") + " -o " + q(other / "report") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  bool seen = false;
  for (const auto& s : read_jsonl(other / "report" / "shared_identifiers.jsonl").entries)
    if (s["value"] == boss)
      for (const auto& d : s["devices"])
        if (d["device"] == "a") {
          seen = true;
          EXPECT_EQ(d["first_offset"], 5);
          EXPECT_EQ(d["first_path"], "5-GZIP-9");  // '9' < '90'
          EXPECT_EQ(d["occurrences"], 3);
        }
  EXPECT_TRUE(seen);
}

// Nearness inside a decoded stream is measured in the stream's bytes; two streams never pair,
// even when their positions would be near.
TEST_F(Case, PhoneAndAdIdNearInsideOneDecodedStreamAndNotAcrossStreams) {
  TempDir other;
  const std::string phone = "+33699887766", adid = "maid:11111111-2222-4333-8444-555555555555";
  const std::string far_phone = "+33611223344";
  auto a = copy_with_features(dir_->path() / "scans" / "dev-a", other / "a",
                              {feature("phone", phone, 900000, "900000-GZIP-10"), feature("adid", adid, 900000, "900000-GZIP-40"),
                               feature("phone", far_phone, 900500, "900500-GZIP-12")});
  auto r = run(cli() + " case build " + q(a) + " -o " + q(other / "case.db") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " case correlate " + q(other / "case.db") + " -o " + q(other / "report") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& n : read_jsonl(other / "report" / "phone_near_adid.jsonl").entries) {
    pairs.insert({n["phone"].get<std::string>(), n["adid"].get<std::string>()});
    if (n["phone"] == phone) {
      EXPECT_EQ(n["devices"][0]["distance"], 40 - (10 + 12));
      EXPECT_EQ(n["devices"][0]["phone_path"], "900000-GZIP-10");
    }
  }
  EXPECT_TRUE(pairs.count({phone, adid}));
  EXPECT_FALSE(pairs.count({far_phone, adid}));
  EXPECT_EQ(query(other / "case.db", "SELECT container, stream_offset FROM occurrences WHERE path = '900000-GZIP-40'"),
            "900000-GZIP|40\n");
}

TEST_F(Case, DeviceIdentifiersAgreeWithTheValidOccurrences) {
  // One row per (identifier, device) with valid occurrences, with their number and lowest offset.
  const fs::path db = dir_->path() / "case.db";
  std::string rows = query(db, "SELECT COUNT(*) FROM device_identifiers");
  ASSERT_NE(rows, "0\n");
  rows.pop_back();
  EXPECT_EQ(query(db, "SELECT (SELECT COUNT(*) FROM device_identifiers), (SELECT COUNT(*) FROM (SELECT DISTINCT identifier_id, "
                      "device_id FROM occurrences WHERE valid = 1)), (SELECT COUNT(*) FROM device_identifiers di WHERE "
                      "di.occurrences <> (SELECT COUNT(*) FROM occurrences o WHERE o.identifier_id = di.identifier_id AND "
                      "o.device_id = di.device_id AND o.valid = 1) OR di.first_offset <> (SELECT MIN(o.offset) FROM "
                      "occurrences o WHERE o.identifier_id = di.identifier_id AND o.device_id = di.device_id AND o.valid = 1))"),
            rows + "|" + rows + "|0\n");
}

// The report holds the top of each list and says how many there are in all, with links to the
// full CSV and JSON Lines files, which hold every entry.
TEST_F(Case, TheReportShowsTheTopOfEachListAndLinksToTheFullFiles) {
  TempDir other;
  auto r = run(cli() + " case correlate " + q(dir_->path() / "case.db") + " -o " + q(other / "r") + " --table-rows 2 --top 1 -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto html = read_text(other / "r" / "report.html");
  EXPECT_NE(html.find("The first 2 of 6; every one, with every device, in <a href=\"shared_identifiers.csv\">"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"shared_identifiers.jsonl\">"), std::string::npos);
  EXPECT_NE(html.find("All 1; every one, with every device, in <a href=\"phone_near_adid.csv\">"), std::string::npos);
  EXPECT_EQ(read_jsonl(other / "r" / "shared_identifiers.jsonl").entries.size(), 6u);
  EXPECT_EQ(read_text(other / "r" / "shared_identifiers.csv"), read_text(dir_->path() / "report" / "shared_identifiers.csv"));
  // No partial file is left behind.
  for (const auto& entry : fs::directory_iterator(other / "r")) EXPECT_NE(entry.path().extension(), ".partial") << entry.path();
}

TEST(CaseText, CsvFieldsAreQuotedAndFormulasNeutralised) {
  using detail::csv_field;
  EXPECT_EQ(csv_field("+33612345678"), "+33612345678");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_field(""), "");
}

TEST(CaseText, HtmlEscapeLeavesNoMarkupAndNoControlCharacters) {
  using detail::html_escape;
  EXPECT_EQ(html_escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(html_escape(std::string("a\0b\x1b", 4)), "a\uFFFDb\uFFFD");
  EXPECT_EQ(html_escape("caf\u00e9 +33"), "caf\u00e9 +33");
}

// The report opens in headless Chromium without a console message, and its screenshot shows the
// plots: pixels of the bar colours and of the matrix's shades (tests/case/check_report.sh).
TEST_F(Case, ReportOpensInHeadlessChromiumAndTheScreenshotShowsThePlots) {
  auto r = run(std::string(TRAWL_CASE_TEST_DIR) + "/check_report.sh " + q(dir_->path() / "report" / "report.html") + " " +
               q(dir_->path() / "screenshot.png"));
  if (r.exit_code == 77) GTEST_SKIP() << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace trawl::test
