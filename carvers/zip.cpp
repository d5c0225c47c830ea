// ZIP and the formats built on it, told apart by content: OOXML (docx/xlsx/pptx), ODF
// (odt/ods/odp/odg), EPUB, APK, JAR. The walk goes member by member (local header, data, data
// descriptor), checking each member's CRC-32 (stored members directly, deflated ones by
// inflating them), then through the central directory, whose entries must point back at the
// members just walked, to the end-of-central-directory record and its comment.
#include <string>
#include <vector>

#include "carvers/deflate.hpp"
#include "carvers/formats.hpp"

namespace trawl::carvers {
namespace {

constexpr Signature signatures[] = {{"PK\x03\x04", {}, 0}};

constexpr std::uint64_t max_members = 1 << 20;

struct Kind {
  bool content_types = false, word = false, xl = false, ppt = false, android_manifest = false, dex = false, manifest = false;
  std::string mimetype;  // an ODF/EPUB "mimetype" first member, stored
};

std::string read_string(const ByteView& v, std::uint64_t pos, std::uint64_t len) {
  std::string s(static_cast<std::size_t>(len), '\0');
  v.read(pos, std::as_writable_bytes(std::span(s)));
  return s;
}

void note_name(Kind& k, const std::string& name) {
  if (name == "[Content_Types].xml") k.content_types = true;
  if (name.rfind("word/", 0) == 0) k.word = true;
  if (name.rfind("xl/", 0) == 0) k.xl = true;
  if (name.rfind("ppt/", 0) == 0) k.ppt = true;
  if (name == "AndroidManifest.xml") k.android_manifest = true;
  if (name == "classes.dex") k.dex = true;
  if (name == "META-INF/MANIFEST.MF") k.manifest = true;
}

std::string_view subtype_of(const Kind& k) {
  const std::string& m = k.mimetype;
  if (m == "application/vnd.oasis.opendocument.text") return "odt";
  if (m == "application/vnd.oasis.opendocument.spreadsheet") return "ods";
  if (m == "application/vnd.oasis.opendocument.presentation") return "odp";
  if (m == "application/vnd.oasis.opendocument.graphics") return "odg";
  if (m == "application/epub+zip") return "epub";
  if (k.content_types && k.word) return "docx";
  if (k.content_types && k.xl) return "xlsx";
  if (k.content_types && k.ppt) return "pptx";
  if (k.android_manifest && k.dex) return "apk";
  if (k.manifest) return "jar";
  return "zip";
}

// ZIP64 sizes from the extra field, for the 32-bit fields that hold 0xFFFFFFFF.
void zip64_sizes(const ByteView& v, std::uint64_t extra, std::uint64_t extra_len, std::uint64_t& usize, std::uint64_t& csize,
                 bool& zip64) {
  std::uint64_t p = extra;
  while (p + 4 <= extra + extra_len) {
    const unsigned id = v.u16le(p), size = v.u16le(p + 2);
    if (id == 0x0001) {
      zip64 = true;
      std::uint64_t q = p + 4;
      if (usize == 0xFFFFFFFF && q + 8 <= p + 4 + size) usize = v.u64le(q), q += 8;
      if (csize == 0xFFFFFFFF && q + 8 <= p + 4 + size) csize = v.u64le(q);
      return;
    }
    p += 4 + size;
  }
}

struct Member {
  std::uint64_t header = 0;      // local header position
  std::uint64_t data = 0;        // first byte of the member's data
  std::uint64_t data_len = 0;    // compressed bytes
  std::uint64_t usize = 0;       // uncompressed size, as the local header or descriptor says
  std::uint32_t crc = 0;         // as the local header or descriptor says
  unsigned method = 0, flags = 0;
};

// Where a member's data ends when its sizes follow it in a data descriptor: the first
// "PK\7\8" whose compressed-size field equals the distance from the data start; without that
// signature (it is optional), by inflating. Returns false when no end can be found.
bool descriptor_end(const ByteView& v, Member& m, bool zip64, std::uint64_t& next) {
  for (std::uint64_t from = m.data;;) {
    auto d = v.find("PK\x07\x08", from, v.size());
    if (!d) break;
    const std::uint64_t length = *d - m.data;
    if ((zip64 ? v.u64le(*d + 8) : v.u32le(*d + 8)) == (zip64 ? length : (length & 0xFFFFFFFF))) {
      m.data_len = length;
      m.crc = v.u32le(*d + 4);
      m.usize = zip64 ? v.u64le(*d + 16) : v.u32le(*d + 12);
      next = *d + (zip64 ? 24 : 16);
      return true;
    }
    from = *d + 1;
  }
  if (m.method != 8 || (m.flags & 1)) return false;
  auto inflated = inflate_raw(v, m.data, v.size() - std::min(v.size(), m.data), std::uint64_t{1} << 36);
  if (!inflated) return false;
  m.data_len = inflated->consumed;
  const std::uint64_t d = m.data + m.data_len;
  m.crc = v.u32le(d);
  m.usize = zip64 ? v.u64le(d + 12) : v.u32le(d + 8);
  next = d + (zip64 ? 20 : 12);
  return true;
}

// Phase two: the member's bytes against its CRC-32 and sizes.
bool member_intact(const ByteView& v, const Member& m) {
  if (m.flags & 1) return true;  // encrypted: nothing to check without the password
  if (m.method == 0) return m.data_len == m.usize && crc32_of(v, m.data, m.data_len) == m.crc;
  if (m.method != 8) return true;  // bzip2, LZMA, ...: not checked
  auto inflated = inflate_raw(v, m.data, m.data_len, std::uint64_t{1} << 36);
  return inflated && inflated->consumed == m.data_len && inflated->crc == m.crc &&
         (inflated->produced & 0xFFFFFFFF) == (m.usize & 0xFFFFFFFF);
}

// Two phases, so that the many "PK\3\4" matches inside an archive (one per member) cost a walk
// over headers only: first the structure (local headers, data lengths, the central directory
// that must list exactly the members walked), and only for a real archive start the CRC of
// every member (inflating the deflated ones).
Carve walk(const ByteView& v) {
  if (!v.has(0, 30)) return not_this();
  std::vector<Member> walked;
  std::vector<std::uint64_t> members;  // local header positions, in file order
  Kind kind;
  // Past the first member, a failure still names the members walked: they are not archive starts.
  auto fail = [&](Carve c) {
    if (members.size() > 1) c.inner_starts.assign(members.begin() + 1, members.end());
    return c;
  };
  std::uint64_t pos = 0;
  while (v.has(pos, 4) && v.equals(pos, "PK\x03\x04")) {
    const bool first = members.empty();
    if (members.size() >= max_members) return fail(corrupt(pos, "too many members"));
    Member m;
    m.header = pos;
    const unsigned version = v.u16le(pos + 4);
    m.flags = v.u16le(pos + 6);
    m.method = v.u16le(pos + 8);
    m.crc = v.u32le(pos + 14);
    std::uint64_t csize = v.u32le(pos + 18);
    m.usize = v.u32le(pos + 22);
    const std::uint64_t name_len = v.u16le(pos + 26), extra_len = v.u16le(pos + 28);
    const unsigned method = m.method;
    const bool known_method = method == 0 || method == 8 || method == 9 || method == 12 || method == 14 || method == 93 ||
                              method == 95 || method == 98 || method == 99;
    if ((version & 0xFF) > 90 || !known_method || name_len == 0 || name_len > 4096)
      return first ? not_this() : fail(corrupt(pos, "bad local header"));
    const std::string name = read_string(v, pos + 30, name_len);
    bool zip64 = false;
    zip64_sizes(v, pos + 30 + name_len, extra_len, m.usize, csize, zip64);
    m.data = pos + 30 + name_len + extra_len;
    if (first && name == "mimetype" && method == 0 && csize > 0 && csize < 128) kind.mimetype = read_string(v, m.data, csize);
    note_name(kind, name);
    if (m.flags & 8) {
      if (!descriptor_end(v, m, zip64, pos)) return first ? not_this() : fail(truncated(v.size(), "no end of member data found"));
    } else {
      m.data_len = csize;
      pos = m.data + csize;
    }
    members.push_back(m.header);
    walked.push_back(m);
  }
  if (members.empty()) return not_this();
  // Central directory: one entry per member, each pointing back at its local header. More
  // entries than members walked means the signature was a member inside a larger archive.
  const std::uint64_t cd_start = pos;
  std::vector<std::uint64_t> listed;
  while (v.equals(pos, "PK\x01\x02")) {
    if (listed.size() >= max_members) return fail(corrupt(pos, "too many central directory entries"));
    std::uint64_t local = v.u32le(pos + 42);
    const std::uint64_t name_len = v.u16le(pos + 28), extra_len = v.u16le(pos + 30), comment_len = v.u16le(pos + 32);
    if (local == 0xFFFFFFFF) {
      std::uint64_t p = pos + 46 + name_len, stop = p + extra_len;
      while (p + 4 <= stop) {  // ZIP64 extra: usize, csize, local offset as far as the fields need
        const unsigned id = v.u16le(p), size = v.u16le(p + 2);
        if (id == 0x0001) {
          std::uint64_t q = p + 4;
          if (v.u32le(pos + 24) == 0xFFFFFFFF) q += 8;
          if (v.u32le(pos + 20) == 0xFFFFFFFF) q += 8;
          if (q + 8 <= p + 4 + size) local = v.u64le(q);
          break;
        }
        p += 4 + size;
      }
    }
    listed.push_back(local);
    pos += 46 + name_len + extra_len + comment_len;
  }
  if (listed.size() > members.size()) return fail(not_this());  // members of an archive that starts earlier
  if (listed != members) return fail(corrupt(cd_start, "central directory does not match the members"));
  const std::uint64_t entries = listed.size();
  if (v.equals(pos, "PK\x05\x05")) pos += 6 + v.u16le(pos + 4);  // digital signature
  const std::uint64_t cd_end = pos;
  if (v.equals(pos, "PK\x06\x06")) pos += 12 + v.u64le(pos + 4);  // ZIP64 end of central directory
  if (v.equals(pos, "PK\x06\x07")) pos += 20;                      // and its locator
  if (!v.equals(pos, "PK\x05\x06")) return fail(corrupt(pos, "no end of central directory"));
  const std::uint64_t total = v.u16le(pos + 10), cd_size = v.u32le(pos + 12), cd_offset = v.u32le(pos + 16);
  if ((total != 0xFFFF && total != (entries & 0xFFFF)) || (cd_size != 0xFFFFFFFF && cd_size != cd_end - cd_start) ||
      (cd_offset != 0xFFFFFFFF && cd_offset != cd_start))
    return fail(corrupt(pos, "end of central directory does not match"));
  const std::uint64_t end = pos + 22 + v.u16le(pos + 20);
  (void)v.u8(end - 1);
  for (const auto& m : walked)
    if (!member_intact(v, m)) return fail(corrupt(m.header, "member CRC or size mismatch"));
  Carve c = valid(end);
  c.inner_starts.assign(members.begin() + 1, members.end());
  c.subtype = subtype_of(kind);
  c.extension = c.subtype;
  return c;
}

}  // namespace

const CarverSpec zip_spec{"zip", "zip", "ZIP archive; OOXML, ODF, EPUB, APK, JAR told apart by content", 4ull << 30,
                          signatures, walk, /*ordered=*/true};

}  // namespace trawl::carvers
