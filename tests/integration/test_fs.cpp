// File-system context end to end: images made in the test with mkfs.ext4 -d, mkfs.vfat + mtools,
// and sfdisk (no mounting), identifiers planted in files, in a deleted file and in free space; the
// attributions checked against what The Sleuth Kit's own tools (fls, ifind, blkstat, icat) say.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/pinned_inputs.hpp"
#include "support/test_support.hpp"

namespace trawl::test {
namespace {

using nlohmann::json;

std::string q(const fs::path& p) { return shell_quote(p.string()); }

void write_text(const fs::path& path, const std::string& text) {
  write_file(path, std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()));
}

// Text of `size` bytes that holds no identifier: base64-like filler from a seed.
std::string filler(std::size_t size, std::uint64_t seed) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  auto bytes = random_bytes(size, seed);
  std::string out(size, ' ');
  for (std::size_t i = 0; i < size; ++i) out[i] = (i % 64 == 63) ? '\n' : alphabet[std::to_integer<unsigned>(bytes[i]) % 52];
  return out;
}

void sh(const std::string& command) {
  auto r = run(command);
  ASSERT_EQ(r.exit_code, 0) << command << "\n" << r.out << r.err;
}

// fls -r -p: path -> (inode, deleted) for regular files, as TSK names them.
struct FlsEntry {
  std::uint64_t inode = 0;
  bool deleted = false;
  std::string address;  // what icat takes: "12", or "65-128-2" for an NTFS attribute
};
std::map<std::string, FlsEntry> fls(const fs::path& image, std::uint64_t sector_offset = 0) {
  auto r = run("fls -r -p -o " + std::to_string(sector_offset) + " " + q(image));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, FlsEntry> out;
  std::regex line(R"(^[r-]/r (\* )?((\d+)(?:-\d+-\d+)?):\t(.*)$)");
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line)) out["/" + m[4].str()] = {std::stoull(m[3]), m[1].matched, m[2].str()};
  }
  return out;
}

std::string sha256_of_icat(const fs::path& image, const std::string& address, std::uint64_t sector_offset = 0) {
  auto r = run("icat -o " + std::to_string(sector_offset) + " " + q(image) + " " + address + " | sha256sum");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 64);
}

struct Scan {
  std::vector<json> records;
  json summary;
  std::vector<json> of(const std::string& kind) const {
    std::vector<json> out;
    for (const auto& r : records)
      if (r["record"] == kind) out.push_back(r);
    return out;
  }
  // The e-mail feature with this normalised text (exactly one expected).
  json email(const std::string& address) const {
    std::vector<json> hits;
    for (const auto& r : of("feature"))
      if (r["type"] == "email" && r["normalised"] == address) hits.push_back(r);
    EXPECT_EQ(hits.size(), 1u) << address;
    return hits.empty() ? json() : hits.front();
  }
};

class FileSystemContext : public ::testing::Test {
 protected:
  TempDir dir;

  Scan scan(const fs::path& image, const std::string& name, const std::string& options = "") {
    const auto out = dir / name;
    auto r = run(cli() + " scan " + q(image) + " -o " + q(out) + " --force --jsonl -q --block-hash none " + options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Scan s;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) s.records.push_back(json::parse(l));
    s.summary = json::parse(read_text(out / "summary.json"));
    return s;
  }

  // The content tree every file-system image is made of; identifiers at known file offsets.
  // Returns the file offset of each planted address.
  std::map<std::string, std::uint64_t> make_tree(const fs::path& root) {
    std::map<std::string, std::uint64_t> at;
    fs::create_directories(root / "docs" / "deep");
    const std::string a = filler(100, 1) + " alice.fs@trawl-test.org " + filler(50, 2);
    write_text(root / "docs" / "a.txt", a);
    at["alice.fs@trawl-test.org"] = a.find("alice.fs@");
    // A file of many blocks, the address far into it (and across a 64 KiB page when chunked small).
    const std::string big = filler(200000, 3) + " bob.fs@trawl-test.org " + filler(100000, 4);
    write_text(root / "docs" / "deep" / "big.log", big);
    at["bob.fs@trawl-test.org"] = big.find("bob.fs@");
    const std::string gone = filler(3000, 5) + " carol.fs@trawl-test.org " + filler(10, 6);
    write_text(root / "gone.txt", gone);
    at["carol.fs@trawl-test.org"] = gone.find("carol.fs@");
    write_text(root / "empty.txt", "");
    return at;
  }

  // Writes an address into a block that no file holds (checked with TSK's blkstat and ifind).
  // Returns the image offset.
  std::uint64_t plant_in_free_block(const fs::path& image, std::uint64_t block, std::uint64_t block_size,
                                    const std::string& text, std::uint64_t fs_offset = 0) {
    const std::string o = fs_offset ? " -o " + std::to_string(fs_offset / 512) : "";
    auto stat = run("blkstat" + o + " " + q(image) + " " + std::to_string(block));
    EXPECT_NE(stat.out.find("Not Allocated"), std::string::npos) << stat.out;
    auto owner = run("ifind" + o + " -d " + std::to_string(block) + " " + q(image));
    EXPECT_NE(owner.out.find("not found"), std::string::npos) << owner.out;
    const std::uint64_t offset = fs_offset + block * block_size + 100;
    write_text(dir / "free.txt", text);
    sh("dd if=" + q(dir / "free.txt") + " of=" + q(image) + " bs=1 seek=" + std::to_string(offset) +
       " conv=notrunc status=none");
    return offset;
  }
};

void expect_in_file(const json& feature, const std::string& path, std::uint64_t inode, const std::string& state,
                    std::uint64_t file_offset) {
  ASSERT_TRUE(feature.contains("fs")) << feature.dump();
  const auto& f = feature["fs"];
  EXPECT_EQ(f["path"], path) << feature.dump();
  EXPECT_EQ(f["inode"], inode) << feature.dump();
  EXPECT_EQ(f["state"], state) << feature.dump();
  EXPECT_EQ(f["offset"], file_offset) << feature.dump();
  EXPECT_EQ(f.size(), 4u) << feature.dump();
}

void expect_unallocated(const json& feature) {
  ASSERT_TRUE(feature.contains("fs")) << feature.dump();
  EXPECT_EQ(feature["fs"]["state"], "unallocated") << feature.dump();
  EXPECT_FALSE(feature["fs"].contains("offset")) << feature.dump();
}

// Every hashed file's SHA-256 equals sha256sum of what icat extracts; every regular file is there.
void expect_file_hashes_match_icat(const Scan& s, const fs::path& image, const std::map<std::string, FlsEntry>& files,
                                   std::uint64_t sector_offset = 0) {
  std::map<std::string, json> by_path;
  for (const auto& r : s.of("file")) by_path[r["path"]] = r;
  for (const auto& [path, entry] : files) {
    if (path.find("$OrphanFiles") != std::string::npos) continue;
    // NTFS: file data ($DATA, type 128, named streams included) is hashed; indexes ($ObjId:$O) are not.
    if (entry.address.find('-') != std::string::npos && entry.address.find("-128-") == std::string::npos) continue;
    ASSERT_TRUE(by_path.count(path)) << path << " was not hashed";
    const auto& r = by_path[path];
    EXPECT_EQ(r["inode"], entry.inode) << path;
    EXPECT_EQ(r["state"], entry.deleted ? "deleted" : "allocated") << path;
    EXPECT_EQ(r["sha256"], sha256_of_icat(image, entry.address, sector_offset)) << path;
  }
}

TEST_F(FileSystemContext, Ext4FindingsAreAttributedToTheirFilesDeletedAndFreeSpace) {
  const auto at = make_tree(dir / "root");
  const auto image = dir / "ext4.img";
  sh("truncate -s 16M " + q(image) + " && mkfs.ext4 -q -F -b 1024 -L evidence -d " + q(dir / "root") + " " + q(image));
  sh("debugfs -w -R 'rm /gone.txt' " + q(image) + " 2>/dev/null");
  const auto free_offset = plant_in_free_block(image, 16000, 1024, " dave.fs@trawl-test.org ");
  const auto files = fls(image);
  ASSERT_TRUE(files.count("/docs/a.txt") && files.count("/docs/deep/big.log") && files.count("/gone.txt"));
  ASSERT_TRUE(files.at("/gone.txt").deleted);

  // The default geometry and a small one (the big file then spans many chunks): the same answers.
  for (const std::string options : {"", "--page-size 64K --margin 32K"}) {
    SCOPED_TRACE(options);
    auto s = scan(image, "out" + std::to_string(options.size()), options + " --carve none");
    expect_in_file(s.email("alice.fs@trawl-test.org"), "/docs/a.txt", files.at("/docs/a.txt").inode, "allocated",
                   at.at("alice.fs@trawl-test.org"));
    expect_in_file(s.email("bob.fs@trawl-test.org"), "/docs/deep/big.log", files.at("/docs/deep/big.log").inode, "allocated",
                   at.at("bob.fs@trawl-test.org"));
    expect_in_file(s.email("carol.fs@trawl-test.org"), "/gone.txt", files.at("/gone.txt").inode, "deleted",
                   at.at("carol.fs@trawl-test.org"));
    const auto dave = s.email("dave.fs@trawl-test.org");
    EXPECT_EQ(dave["offset"], free_offset + 1);
    expect_unallocated(dave);

    ASSERT_EQ(s.summary["filesystems"].size(), 1u);
    const auto& fsinfo = s.summary["filesystems"][0];
    EXPECT_EQ(fsinfo["partition_offset"], 0);
    EXPECT_EQ(fsinfo["length"], 16u << 20);
    EXPECT_EQ(fsinfo["block_size"], 1024);
    EXPECT_EQ(fsinfo["volume_system"], "none");
    EXPECT_EQ(fsinfo["type"].get<std::string>().substr(0, 3), "ext");

    expect_file_hashes_match_icat(s, image, files);
    // The hash of an allocated file is the hash of the file that went in.
    for (const auto& r : s.of("file"))
      if (r["path"] == "/docs/deep/big.log")
        EXPECT_EQ(r["sha256"], run("sha256sum " + q(dir / "root" / "docs" / "deep" / "big.log")).out.substr(0, 64));
    // The DFXML report lists the same files.
    const auto xml = read_text(dir / ("out" + std::to_string(options.size())) / "files" / "report.xml");
    EXPECT_NE(xml.find("<filename>/docs/deep/big.log</filename>"), std::string::npos);
    EXPECT_NE(xml.find("<alloc>0</alloc>"), std::string::npos);
    EXPECT_EQ(s.summary["filesystem"]["files_hashed"], s.of("file").size());
  }
  // The case database keeps the file context (features/features.jsonl carries it).
  const auto db = dir / "case.db";
  sh(cli() + " case build " + q(dir / "out0") + " -o " + q(db) + " >/dev/null");
  auto row = run("python3 -c \"import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
                 "\\\"select fs_path, fs_state, fs_offset from occurrences where raw like 'carol.fs@%'\\\").fetchall())\" " + q(db));
  EXPECT_EQ(row.out, "[('/gone.txt', 'deleted', " + std::to_string(at.at("carol.fs@trawl-test.org")) + ")]\n") << row.err;
}

TEST_F(FileSystemContext, FatFindingsAreAttributedAndTheDeletedFileIsMarked) {
  const auto at = make_tree(dir / "root");
  const auto image = dir / "fat.img";
  sh("mkfs.vfat -C -n EVIDENCE " + q(image) + " 8192 >/dev/null");
  sh("mmd -i " + q(image) + " ::docs ::docs/deep");
  sh("mcopy -i " + q(image) + " " + q(dir / "root" / "docs" / "a.txt") + " ::docs/a.txt");
  sh("mcopy -i " + q(image) + " " + q(dir / "root" / "docs" / "deep" / "big.log") + " ::docs/deep/big.log");
  sh("mcopy -i " + q(image) + " " + q(dir / "root" / "gone.txt") + " ::gone.txt");
  sh("mdel -i " + q(image) + " ::gone.txt");
  // FAT's sectors are TSK's blocks; the last sector of the data area is free in an image this empty.
  const auto free_offset = plant_in_free_block(image, 8192 * 2 - 64, 512, " dave.fs@trawl-test.org ");
  const auto files = fls(image);
  ASSERT_TRUE(files.count("/docs/a.txt") && files.count("/docs/deep/big.log")) << run("fls -r -p " + q(image)).out;
  std::string gone_path;
  for (const auto& [path, e] : files) {
    std::string lower = path;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (e.deleted && lower.find("one.txt") != std::string::npos) gone_path = path;
  }  // FAT deletion overwrites the first letter
  ASSERT_FALSE(gone_path.empty()) << run("fls -r -p " + q(image)).out;

  auto s = scan(image, "out", "--carve none");
  expect_in_file(s.email("alice.fs@trawl-test.org"), "/docs/a.txt", files.at("/docs/a.txt").inode, "allocated",
                 at.at("alice.fs@trawl-test.org"));
  expect_in_file(s.email("bob.fs@trawl-test.org"), "/docs/deep/big.log", files.at("/docs/deep/big.log").inode, "allocated",
                 at.at("bob.fs@trawl-test.org"));
  expect_in_file(s.email("carol.fs@trawl-test.org"), gone_path, files.at(gone_path).inode, "deleted",
                 at.at("carol.fs@trawl-test.org"));
  const auto dave = s.email("dave.fs@trawl-test.org");
  EXPECT_EQ(dave["offset"], free_offset + 1);
  expect_unallocated(dave);
  ASSERT_EQ(s.summary["filesystems"].size(), 1u);
  EXPECT_EQ(s.summary["filesystems"][0]["type"].get<std::string>().substr(0, 3), "fat");
  EXPECT_EQ(s.summary["filesystems"][0]["block_size"], 512);
  expect_file_hashes_match_icat(s, image, files);
}

TEST_F(FileSystemContext, PartitionedImageAttributesThroughTheMbrAndSplitRawAndE01GiveTheSame) {
  const auto at = make_tree(dir / "root");
  const auto image = dir / "disk.img";
  const std::uint64_t start = 2048 * 512;
  sh("truncate -s 20M " + q(image) + " && echo 'start=2048, size=36864, type=83' | sfdisk -q " + q(image));
  sh("mkfs.ext4 -q -F -b 4096 -E offset=" + std::to_string(start) + " -d " + q(dir / "root") + " " + q(image) + " 18M");
  const auto files = fls(image, 2048);
  ASSERT_TRUE(files.count("/docs/deep/big.log"));

  auto s = scan(image, "out", "--carve none");
  ASSERT_EQ(s.summary["filesystems"].size(), 1u) << s.summary["filesystems"].dump();
  EXPECT_EQ(s.summary["filesystems"][0]["partition_offset"], start);
  EXPECT_EQ(s.summary["filesystems"][0]["volume_system"], "dos");
  EXPECT_EQ(s.summary["filesystems"][0]["block_size"], 4096);
  expect_in_file(s.email("bob.fs@trawl-test.org"), "/docs/deep/big.log", files.at("/docs/deep/big.log").inode, "allocated",
                 at.at("bob.fs@trawl-test.org"));
  expect_file_hashes_match_icat(s, image, files, 2048);

  // The same evidence as a split raw set: TSK reads through trawl's Source, so nothing changes.
  sh("cd " + q(dir.path()) + " && split -b 3000000 -d -a 3 --numeric-suffixes=1 disk.img part.");
  auto split = scan(dir / "part.001", "split", "--carve none");
  EXPECT_EQ(split.email("bob.fs@trawl-test.org")["fs"], s.email("bob.fs@trawl-test.org")["fs"]);
  EXPECT_EQ(split.of("file").size(), s.of("file").size());

  // And as an E01 (ewf-tools' ewfacquire): the same file context and file hashes.
  if (run("command -v ewfacquire").exit_code != 0) GTEST_SKIP() << "ewfacquire (Debian ewf-tools) is not installed";
  sh("ewfacquire -u -q -t " + q(dir / "disk") + " -c fast -f encase6 " + q(image) + " >/dev/null");
  auto e01 = scan(dir / "disk.E01", "e01", "--carve none");
  EXPECT_EQ(e01.summary["filesystems"], s.summary["filesystems"]);
  EXPECT_EQ(e01.email("bob.fs@trawl-test.org")["fs"], s.email("bob.fs@trawl-test.org")["fs"]);
  std::map<std::string, std::string> raw_hashes, e01_hashes;
  for (const auto& r : s.of("file")) raw_hashes[r["path"]] = r["sha256"];
  for (const auto& r : e01.of("file")) e01_hashes[r["path"]] = r["sha256"];
  EXPECT_EQ(e01_hashes, raw_hashes);
}

TEST_F(FileSystemContext, ImageWithoutFileSystemScansAsRawWithNoFsObjects) {
  auto bytes = random_bytes(3 << 20, 77);
  const std::string text = " erin.fs@trawl-test.org ";
  std::memcpy(bytes.data() + 1000000, text.data(), text.size());
  write_file(dir / "raw.img", bytes);
  auto s = scan(dir / "raw.img", "out");
  EXPECT_FALSE(s.email("erin.fs@trawl-test.org").contains("fs"));
  for (const auto& r : s.records) EXPECT_FALSE(r.contains("fs")) << r.dump();
  EXPECT_TRUE(s.summary["filesystems"].empty());
  EXPECT_TRUE(s.of("file").empty());
  EXPECT_FALSE(fs::exists(dir / "out" / "files"));
}

TEST_F(FileSystemContext, FsOffAndStdinLeaveTheImageRaw) {
  make_tree(dir / "root");
  const auto image = dir / "ext4.img";
  sh("truncate -s 8M " + q(image) + " && mkfs.ext4 -q -F -d " + q(dir / "root") + " " + q(image));
  auto off = scan(image, "off", "--fs off --carve none");
  EXPECT_FALSE(off.email("alice.fs@trawl-test.org").contains("fs"));
  EXPECT_TRUE(off.summary["filesystems"].empty());
  EXPECT_TRUE(off.of("file").empty());

  auto r = run("cat " + q(image) + " | " + cli() + " scan - -o " + q(dir / "stdin") + " -q --carve none --block-hash none");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto summary = json::parse(read_text(dir / "stdin" / "summary.json"));
  EXPECT_TRUE(summary["filesystems"].empty());
  EXPECT_NE(summary["filesystem"]["notice"].get<std::string>().find("random-access"), std::string::npos);

  auto bad = run(cli() + " scan " + q(image) + " -o " + q(dir / "bad") + " --force -q --fs maybe");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("trawl: --fs must be auto or off"), std::string::npos) << bad.err;
}

TEST_F(FileSystemContext, CarvedFilesCarryTheirFileAndUnallocatedOnlySkipsAllocatedFiles) {
  make_tree(dir / "root");
  // A gzip member inside an allocated file, and the same bytes again in free space.
  write_text(dir / "payload.txt", filler(5000, 9));
  sh("gzip -n -9 -c " + q(dir / "payload.txt") + " > " + q(dir / "root" / "docs" / "payload.gz"));
  const auto image = dir / "ext4.img";
  sh("truncate -s 16M " + q(image) + " && mkfs.ext4 -q -F -b 1024 -d " + q(dir / "root") + " " + q(image));
  auto stat = run("blkstat " + q(image) + " 15000");
  ASSERT_NE(stat.out.find("Not Allocated"), std::string::npos);
  const std::uint64_t free_offset = 15000ull * 1024;
  sh("dd if=" + q(dir / "root" / "docs" / "payload.gz") + " of=" + q(image) + " bs=1024 seek=15000 conv=notrunc status=none");
  const auto files = fls(image);

  auto all = scan(image, "all", "--carve gzip --find none");
  std::map<std::uint64_t, json> carved;
  for (const auto& r : all.of("carved_file")) carved[r["offset"]] = r;
  ASSERT_TRUE(carved.count(free_offset)) << all.of("carved_file").size();
  expect_unallocated(carved[free_offset]);
  bool in_file = false;
  for (const auto& [offset, r] : carved)
    if (r.contains("fs") && r["fs"]["path"] == "/docs/payload.gz") {
      in_file = true;
      EXPECT_EQ(r["fs"]["state"], "allocated");
      EXPECT_EQ(r["fs"]["offset"], 0);
      EXPECT_EQ(r["fs"]["inode"], files.at("/docs/payload.gz").inode);
    }
  EXPECT_TRUE(in_file);
  EXPECT_NE(read_text(dir / "all" / "carved" / "report.xml").find("<trawl:fs path=\"/docs/payload.gz\""), std::string::npos);

  auto unalloc = scan(image, "unalloc", "--carve gzip --find none --carve-unallocated-only");
  ASSERT_EQ(unalloc.of("carved_file").size(), 1u);
  EXPECT_EQ(unalloc.of("carved_file")[0]["offset"], free_offset);
}

// Debian's forensics-samples-ntfs: an MBR disk with one NTFS partition, files copied in and the
// folders ending in "2" deleted (scripts/setup.sh installs it).
TEST_F(FileSystemContext, ForensicsSamplesNtfsFilesHashLikeIcatAndCarvedPicturesNameTheirFiles) {
  const fs::path packed = pinned("/usr/share/forensics-samples/fs.ntfs.xz");
  ASSERT_FALSE(packed.empty());
  const auto image = dir / "ntfs.img";
  sh("xz -dc " + q(packed) + " > " + q(image));
  const auto files = fls(image, 2048);
  ASSERT_TRUE(files.count("/pic1/debian_logo.jpg") && files.count("/pic2/d-debian.jpg") && files.count("/text2/test.sh"));
  ASSERT_TRUE(files.at("/pic2/d-debian.jpg").deleted);

  auto s = scan(image, "out", "--carve jpeg --find none");
  ASSERT_EQ(s.summary["filesystems"].size(), 1u);
  EXPECT_EQ(s.summary["filesystems"][0]["type"], "ntfs");
  EXPECT_EQ(s.summary["filesystems"][0]["partition_offset"], 2048 * 512);
  EXPECT_EQ(s.summary["filesystems"][0]["volume_system"], "dos");
  // Resident files (test.sh lives inside its MFT record) are read through TSK; the rest from the pass.
  expect_file_hashes_match_icat(s, image, files, 2048);
  std::map<std::string, json> at_start;  // carved JPEGs that start a file system file
  for (const auto& r : s.of("carved_file"))
    if (r.contains("fs") && r["fs"].value("offset", 1) == 0) at_start[r["fs"]["path"]] = r["fs"];
  ASSERT_TRUE(at_start.count("/pic1/debian_logo.jpg"));
  EXPECT_EQ(at_start["/pic1/debian_logo.jpg"]["state"], "allocated");
  EXPECT_EQ(at_start["/pic1/debian_logo.jpg"]["inode"], files.at("/pic1/debian_logo.jpg").inode);
  ASSERT_TRUE(at_start.count("/pic2/d-debian.jpg"));
  EXPECT_EQ(at_start["/pic2/d-debian.jpg"]["state"], "deleted");
  EXPECT_EQ(at_start["/pic2/d-debian.jpg"]["inode"], files.at("/pic2/d-debian.jpg").inode);
}

}  // namespace
}  // namespace trawl::test
