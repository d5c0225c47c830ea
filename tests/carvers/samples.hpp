// Real sample files for the carver tests: from Debian's forensics-samples-files (pinned in
// tests/inputs.list: a missing or changed file fails the tests), the system's binaries, converted
// from them by Debian tools (netpbm, webp, p7zip), or made by the system's own libraries
// (make_samples.py: SQLite files, an APK). Formats no package can produce (RAR, PE) are built
// here, byte by byte, to their specifications. A sample a tool could not make is left out; the
// tests say which.
#pragma once

#include <zlib.h>

#include <cstring>
#include <string>
#include <vector>

#include "support/pinned_inputs.hpp"
#include "support/test_support.hpp"

namespace trawl::test {

struct Sample {
  std::string name;     // for messages
  std::string type;     // carver
  std::string subtype;  // what the carve must say
  std::vector<std::byte> bytes;
  std::uint64_t damage_at = 0;  // where overwriting 1 KiB must break a structure check
  bool shortens = false;        // damage or truncation legitimately leaves a shorter valid file (logs, journals)
};

inline std::vector<std::byte> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

inline const fs::path forensics_samples = "/usr/share/forensics-samples/original-files";

// Little-endian writers for the hand-built samples.
inline void put(std::vector<std::byte>& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::byte>(v >> (8 * i)));
}
inline void put_at(std::vector<std::byte>& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[at + i] = static_cast<std::byte>(v >> (8 * i));
}
inline void put_text(std::vector<std::byte>& b, std::string_view s) {
  for (char c : s) b.push_back(static_cast<std::byte>(c));
}
inline std::uint32_t crc_of(const std::vector<std::byte>& b, std::size_t from, std::size_t len) {
  return static_cast<std::uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(b.data() + from), static_cast<uInt>(len)));
}

// A PE32+ image as a linker lays it out: DOS header, PE header, two sections at FileAlignment,
// a certificate table appended, and the optional-header checksum filled in.
inline std::vector<std::byte> make_pe() {
  std::vector<std::byte> b(0x200);
  b[0] = std::byte{'M'};
  b[1] = std::byte{'Z'};
  put_at(b, 0x3C, 0x80, 4);
  std::memcpy(b.data() + 0x80, "PE\0\0", 4);
  const std::size_t coff = 0x84, opt = coff + 20;
  put_at(b, coff, 0x8664, 2);      // machine: x86-64
  put_at(b, coff + 2, 2, 2);       // sections
  put_at(b, coff + 16, 240, 2);    // optional header size
  put_at(b, coff + 18, 0x22, 2);   // executable, large-address aware
  put_at(b, opt, 0x20B, 2);        // PE32+
  put_at(b, opt + 32, 0x1000, 4);  // SectionAlignment
  put_at(b, opt + 36, 0x200, 4);   // FileAlignment
  put_at(b, opt + 56, 0x3000, 4);  // SizeOfImage
  put_at(b, opt + 60, 0x200, 4);   // SizeOfHeaders
  put_at(b, opt + 68, 3, 2);       // subsystem: console
  put_at(b, opt + 108, 16, 4);     // NumberOfRvaAndSizes
  const std::size_t table = opt + 240;
  const char* names[] = {".text", ".data"};
  for (int i = 0; i < 2; ++i) {
    const std::size_t s = table + 40 * i;
    std::memcpy(b.data() + s, names[i], std::strlen(names[i]));
    put_at(b, s + 8, 0x400, 4);                    // VirtualSize
    put_at(b, s + 12, 0x1000 * (i + 1), 4);        // VirtualAddress
    put_at(b, s + 16, i == 0 ? 0x400 : 0x200, 4);  // SizeOfRawData
    put_at(b, s + 20, i == 0 ? 0x200 : 0x600, 4);  // PointerToRawData
  }
  auto code = random_bytes(0x600, 77);
  b.insert(b.end(), code.begin(), code.end());
  // Certificate table (directory 4): a WIN_CERTIFICATE of 0x88 bytes at the end of the file.
  const std::size_t cert = b.size();
  put(b, 0x88, 4);
  put(b, 0x0200, 2);
  put(b, 0x0002, 2);
  auto blob = random_bytes(0x80, 78);
  b.insert(b.end(), blob.begin(), blob.end());
  put_at(b, opt + 112 + 8 * 4, cert, 4);
  put_at(b, opt + 112 + 8 * 4 + 4, 0x88, 4);
  // The checksum the loader checks: 16-bit sum with carries folded, plus the length.
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < b.size(); i += 2) {
    if (i == opt + 64 || i == opt + 66) continue;
    sum += std::to_integer<unsigned>(b[i]) | (i + 1 < b.size() ? std::to_integer<unsigned>(b[i + 1]) << 8 : 0);
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  sum = (sum & 0xFFFF) + (sum >> 16);
  put_at(b, opt + 64, sum + b.size(), 4);
  return b;
}

// RAR 4: marker, archive header, one stored file, end-of-archive block; header CRCs are the
// low 16 bits of CRC-32 over each header after its CRC field.
inline std::vector<std::byte> make_rar4() {
  std::vector<std::byte> b;
  put_text(b, std::string_view("Rar!\x1A\x07\x00", 7));
  auto block = [&](std::vector<std::byte> h) {  // h: from HEAD_TYPE on
    std::vector<std::byte> with_crc;
    put(with_crc, crc_of(h, 0, h.size()) & 0xFFFF, 2);
    with_crc.insert(with_crc.end(), h.begin(), h.end());
    b.insert(b.end(), with_crc.begin(), with_crc.end());
  };
  std::vector<std::byte> main;
  put(main, 0x73, 1);
  put(main, 0, 2);
  put(main, 13, 2);
  put(main, 0, 6);
  block(main);
  const std::string data = "a stored file inside a RAR 4 archive\n";
  std::vector<std::byte> file;
  put(file, 0x74, 1);
  put(file, 0x8000, 2);
  put(file, 32 + 5, 2);
  put(file, data.size(), 4);  // PACK_SIZE
  put(file, data.size(), 4);  // UNP_SIZE
  put(file, 2, 1);            // host OS
  put(file, ::crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())), 4);
  put(file, 0x50210000, 4);  // DOS time
  put(file, 29, 1);          // version to unpack
  put(file, 0x30, 1);        // method: store
  put(file, 5, 2);           // name size
  put(file, 0x20, 4);        // attributes
  put_text(file, "a.txt");
  block(file);
  put_text(b, data);
  std::vector<std::byte> end;
  put(end, 0x7B, 1);
  put(end, 0x4000, 2);
  put(end, 7, 2);
  block(end);
  return b;
}

inline void put_vint(std::vector<std::byte>& b, std::uint64_t v) {
  do {
    b.push_back(static_cast<std::byte>((v & 0x7F) | (v > 0x7F ? 0x80 : 0)));
    v >>= 7;
  } while (v);
}

// RAR 5: signature, main header, one stored file with its data area, end-of-archive header.
inline std::vector<std::byte> make_rar5() {
  std::vector<std::byte> b;
  put_text(b, std::string_view("Rar!\x1A\x07\x01\x00", 8));
  auto block = [&](const std::vector<std::byte>& fields) {  // fields: type, flags, ...
    std::vector<std::byte> h;
    put_vint(h, fields.size());
    h.insert(h.end(), fields.begin(), fields.end());
    put(b, crc_of(h, 0, h.size()), 4);
    b.insert(b.end(), h.begin(), h.end());
  };
  std::vector<std::byte> main;
  put_vint(main, 1);  // main archive header
  put_vint(main, 0);
  put_vint(main, 0);  // archive flags
  block(main);
  const std::string data = "a stored file inside a RAR 5 archive\n";
  std::vector<std::byte> file;
  put_vint(file, 2);            // file header
  put_vint(file, 2);            // has a data area
  put_vint(file, data.size());  // data size
  put_vint(file, 4);            // file flags: CRC32 present
  put_vint(file, data.size());  // unpacked size
  put_vint(file, 0x20);         // attributes
  put(file, ::crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())), 4);
  put_vint(file, 0);  // compression: version 0, stored
  put_vint(file, 0);  // host OS: Windows
  put_vint(file, 5);
  put_text(file, "a.txt");
  block(file);
  put_text(b, data);
  std::vector<std::byte> end;
  put_vint(end, 5);
  put_vint(end, 0);
  put_vint(end, 0);  // end-of-archive flags
  block(end);
  return b;
}

// AMR (narrowband) or AMR-WB speech in the RFC 4867 storage format, as a phone records it: the
// magic line, then 20 ms frames of one mode with a stretch of silence (a comfort-noise frame and
// no-data frames, as discontinuous transmission writes them). Debian's ffmpeg has no AMR
// encoder; the walk checks only frame headers and sizes, so the speech bits are random.
inline std::vector<std::byte> make_amr(bool wide, std::size_t frames, std::uint64_t seed) {
  std::vector<std::byte> b;
  put_text(b, wide ? "#!AMR-WB\n" : "#!AMR\n");
  const unsigned speech = wide ? 2 : 7, sid = wide ? 9 : 8;                  // 12.65 / 12.2 kbit/s; comfort noise
  const std::size_t speech_bytes = wide ? 32 : 31, sid_bytes = 5;
  const auto bits = random_bytes(frames * 64, seed);
  for (std::size_t i = 0; i < frames; ++i) {
    const bool silent = i % 50 >= 40;  // 0.2 s of every second
    const unsigned type = !silent ? speech : i % 50 == 40 ? sid : 15;
    const std::size_t n = type == speech ? speech_bytes : type == sid ? sid_bytes : 0;
    b.push_back(static_cast<std::byte>(type << 3 | 4));  // quality bit set
    b.insert(b.end(), bits.begin() + static_cast<std::ptrdiff_t>(i * 64), bits.begin() + static_cast<std::ptrdiff_t>(i * 64 + n));
  }
  return b;
}

// Runs a command; true when it exited 0.
inline bool make_with(const std::string& command) { return run(command).exit_code == 0; }

// Every sample that can be had on this machine, made in `dir`.
inline std::vector<Sample> collect_samples(const fs::path& dir, std::vector<std::string>& missing) {
  std::vector<Sample> out;
  auto add_file = [&](const std::string& name, const fs::path& path, std::string type, std::string subtype,
                      std::int64_t damage = -1, bool shortens = false) {
    std::error_code ec;
    // A system file is read only when pinned (tests/inputs.list), and one that is missing or
    // differs fails the test; files the test made are read as they are.
    auto bytes = path.string().rfind("/usr/", 0) == 0 ? pinned_bytes(path) : read_bytes(path);
    if (bytes.empty()) {
      missing.push_back(name + " (" + path.string() + ")");
      return;
    }
    Sample s{name, std::move(type), std::move(subtype), std::move(bytes), 0, shortens};
    s.damage_at = damage >= 0 ? static_cast<std::uint64_t>(damage) : s.bytes.size() / 2;
    out.push_back(std::move(s));
  };
  const fs::path f = forensics_samples;
  add_file("IMG_1054.JPG (EXIF thumbnail)", f / "pic1/IMG_1054.JPG", "jpeg", "jpeg");
  add_file("d-debian.jpg", f / "pic2/d-debian.jpg", "jpeg", "jpeg");
  add_file("debian_logo.png", f / "pic1/debian_logo.png", "png", "png");
  add_file("d-debian.png", f / "pic2/d-debian.png", "png", "png");
  add_file("a-text.pdf", f / "text1/a-text.pdf", "pdf", "pdf");
  add_file("a-text.docx", f / "text1/a-text.docx", "zip", "docx");
  add_file("a-text.odt", f / "text1/a-text.odt", "zip", "odt");
  add_file("debian.wav", f / "audio1/debian.wav", "riff", "wav", 12);
  add_file("movie-hello.avi", f / "movie2/movie-hello.avi", "riff", "avi", 12);
  add_file("movie-hello.mp4", f / "movie2/movie-hello.mp4", "isobmff", "mp4");
  // Conversions of the Debian logo by Debian's own tools.
  const fs::path ppm = f / "pic1/debian.ppm", png = f / "pic1/debian.png";
  const std::string q = shell_quote(ppm.string());
  if (make_with("pamtogif " + q + " > " + shell_quote((dir / "logo.gif").string()) + " 2>/dev/null"))
    add_file("logo.gif (pamtogif)", dir / "logo.gif", "gif", "gif");
  else
    missing.push_back("gif (pamtogif from netpbm)");
  if (make_with("ppmtobmp " + q + " > " + shell_quote((dir / "logo.bmp").string()) + " 2>/dev/null"))
    add_file("logo.bmp (ppmtobmp)", dir / "logo.bmp", "bmp", "bmp", 14);
  else
    missing.push_back("bmp (ppmtobmp from netpbm)");
  if (make_with("pamtotiff " + q + " > " + shell_quote((dir / "logo.tif").string()) + " 2>/dev/null"))
    add_file("logo.tif (pamtotiff)", dir / "logo.tif", "tiff", "tiff");
  else
    missing.push_back("tiff (pamtotiff from netpbm)");
  if (make_with("cwebp -quiet " + shell_quote(png.string()) + " -o " + shell_quote((dir / "logo.webp").string())))
    add_file("logo.webp (cwebp)", dir / "logo.webp", "riff", "webp", 12);
  else
    missing.push_back("webp (cwebp from webp)");
  if (make_with("cd " + shell_quote(dir.string()) + " && 7z a -bd -bso0 x.7z " + shell_quote(png.string()) + " " +
                shell_quote((f / "text1/a-text.pdf").string())))
    add_file("x.7z (p7zip)", dir / "x.7z", "7z", "7z");
  else
    missing.push_back("7z (p7zip-full)");
  if (make_with("gzip -9 -n -c " + shell_quote((f / "text1/a-text.pdf").string()) + " > " + shell_quote((dir / "a.gz").string())))
    add_file("a-text.pdf.gz (gzip)", dir / "a.gz", "gzip", "gzip");
  if (make_with("python3 " + shell_quote(TRAWL_CARVER_TEST_DIR "/make_samples.py") + " " + shell_quote(dir.string()))) {
    add_file("db.sqlite (python3 sqlite3)", dir / "db.sqlite", "sqlite", "sqlite", 100);
    add_file("db.sqlite-wal", dir / "db.sqlite-wal", "sqlite-wal", "sqlite-wal", -1, true);
    add_file("hot.sqlite-journal", dir / "hot.sqlite-journal", "sqlite-journal", "sqlite-journal", -1, true);
    add_file("app.apk (python3 zipfile)", dir / "app.apk", "zip", "apk");
  } else {
    missing.push_back("sqlite and apk (python3)");
  }
  add_file("/bin/true (ELF)", "/bin/true", "elf", "elf");
  add_file("trawl CLI (ELF)", TRAWL_CLI_PATH, "elf", "elf");
  // Built to the specifications.
  out.push_back({"hand-built PE32+ with checksum and certificate", "pe", "pe", make_pe(), 0x300, false});
  out.push_back({"hand-built RAR 4", "rar", "rar", make_rar4(), 20, false});
  out.push_back({"hand-built RAR 5", "rar", "rar", make_rar5(), 20, false});
  // Media (tests/carvers/make_media.sh, ffmpeg), made once per build tree. Formats whose end is
  // only where the frames stop (no count, no end marker) are `shortens`: cut or damaged, they
  // leave a shorter valid stream.
  const fs::path audio = f / "audio1", audio2 = f / "audio2";
  add_file("debian.ogg", audio / "debian.ogg", "ogg", "vorbis");
  add_file("deleted.ogg", audio2 / "deleted.ogg", "ogg", "vorbis");
  add_file("movie-hello.ogg (Theora)", f / "movie2/movie-hello.ogg", "ogg", "theora");
  add_file("debian.mp3", audio / "debian.mp3", "mp3", "mp3");
  add_file("deleted.mp3", audio2 / "deleted.mp3", "mp3", "mp3");
  const fs::path m = TRAWL_MEDIA_SAMPLES_DIR;
  if (make_with(shell_quote(TRAWL_CARVER_TEST_DIR "/make_media.sh") + " " + shell_quote(m.string()))) {
    add_file("voice.opus (ffmpeg)", m / "voice.opus", "ogg", "opus");
    add_file("vorbis.ogg (ffmpeg)", m / "vorbis.ogg", "ogg", "vorbis");
    add_file("flac.oga (ffmpeg)", m / "flac.oga", "ogg", "flac");
    add_file("theora.ogv (ffmpeg)", m / "theora.ogv", "ogg", "theora");
    add_file("id3.mp3 (ffmpeg, ID3v2.4, Info frame)", m / "id3.mp3", "mp3", "mp3");
    add_file("bare.mp3 (ffmpeg, no tag, no Xing)", m / "bare.mp3", "mp3", "mp3", -1, true);
    add_file("low.mp3 (ffmpeg, MPEG-2.5 8 kHz, ID3v2.3)", m / "low.mp3", "mp3", "mp3");
    add_file("lc.aac (ffmpeg ADTS)", m / "lc.aac", "adts", "adts", -1, true);
    add_file("stereo.aac (ffmpeg ADTS)", m / "stereo.aac", "adts", "adts", -1, true);
    add_file("noise.flac (ffmpeg)", m / "noise.flac", "flac", "flac");
    add_file("sine.flac (ffmpeg)", m / "sine.flac", "flac", "flac");
    add_file("chance-zero.flac (ffmpeg)", m / "chance-zero.flac", "flac", "flac");
    add_file("clip.webm (ffmpeg VP8 + Opus)", m / "clip.webm", "matroska", "webm");
    add_file("clip.mkv (ffmpeg)", m / "clip.mkv", "matroska", "matroska");
    add_file("clip.mpg (ffmpeg MPEG-1 system)", m / "clip.mpg", "mpeg-ps", "mpeg1-ps", -1, true);
    add_file("clip.vob (ffmpeg MPEG-2 PS)", m / "clip.vob", "mpeg-ps", "mpeg2-ps", -1, true);
  } else {
    missing.push_back("ogg, mp3, adts, flac, matroska, mpeg-ps (ffmpeg)");
  }
  out.push_back({"hand-built AMR", "amr", "amr", make_amr(false, 140, 31), 2000, true});
  out.push_back({"hand-built AMR-WB", "amr", "amr-wb", make_amr(true, 140, 33), 2000, true});
  // Where damage must be caught, for formats whose middle is unchecked payload: the structure
  // that holds the verdict.
  for (auto& s : out) {
    const auto size = s.bytes.size();
    auto find = [&](std::string_view needle, bool last) -> std::uint64_t {
      std::string_view hay(reinterpret_cast<const char*>(s.bytes.data()), size);
      auto at = last ? hay.rfind(needle) : hay.find(needle);
      return at == std::string_view::npos ? size / 2 : at;
    };
    if (s.type == "pdf") s.damage_at = find("startxref", true);
    if (s.type == "7z") s.damage_at = size - 8;
    if (s.type == "isobmff") s.damage_at = find("stco", false);
    if (s.type == "matroska") s.damage_at = find("\x1F\x43\xB6\x75", true);  // the last cluster's header
    if (s.type == "mpeg-ps") s.damage_at = find(std::string_view("\0\0\1\xBA", 4), true);  // the last pack header
    if (s.type == "tiff") s.damage_at = std::to_integer<unsigned>(s.bytes[0]) == 'I'
                                            ? (std::to_integer<std::uint64_t>(s.bytes[4]) | std::to_integer<std::uint64_t>(s.bytes[5]) << 8 |
                                               std::to_integer<std::uint64_t>(s.bytes[6]) << 16 | std::to_integer<std::uint64_t>(s.bytes[7]) << 24)
                                            : (std::to_integer<std::uint64_t>(s.bytes[4]) << 24 | std::to_integer<std::uint64_t>(s.bytes[5]) << 16 |
                                               std::to_integer<std::uint64_t>(s.bytes[6]) << 8 | std::to_integer<std::uint64_t>(s.bytes[7]));
    if (s.type == "elf" && size >= 64) {
      std::uint64_t shoff = 0;
      for (int i = 7; i >= 0; --i) shoff = shoff << 8 | std::to_integer<std::uint64_t>(s.bytes[40 + i]);
      s.damage_at = shoff < size ? shoff : size / 2;
    }
  }
  return out;
}

}  // namespace trawl::test
