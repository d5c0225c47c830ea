#include "host/modules/file_hash_stage.hpp"

#include <algorithm>
#include <array>

#include "host/util/text.hpp"

namespace trawl::detail {
namespace {

bool hashed(const FsFile& f) { return f.regular && !f.oversized; }

}  // namespace

struct FileHashStage::Open {
  explicit Open(HashAlgorithm a) : context(evp_md(a)) {}
  EvpContext context;
  std::uint64_t fed = 0;  // file bytes hashed so far (holes included)
};

FileHashStage::FileHashStage(const FileSystemMap& map, HashAlgorithm algorithm) : map_(map), algorithm_(algorithm) {
  if (algorithm != HashAlgorithm::md5 && algorithm != HashAlgorithm::sha256)
    throw Error(ErrorKind::internal, "file hashes are md5 and sha256");
  const auto& files = map.files();
  extents_left_.resize(files.size());
  open_.resize(files.size());
  for (std::uint32_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    if (!hashed(f) || !f.streamable) continue;
    extents_left_[i] = static_cast<std::uint32_t>(f.extents.size());
    extents_.insert(extents_.end(), f.extents.begin(), f.extents.end());
  }
  std::sort(extents_.begin(), extents_.end(), [](const FileExtent& a, const FileExtent& b) {
    return std::tie(a.image_offset, a.file) < std::tie(b.image_offset, b.file);
  });
}

FileHashStage::~FileHashStage() = default;

FileHashStage::Open& FileHashStage::open(std::uint32_t file) {
  auto& slot = open_[file];
  if (!slot) slot = std::make_unique<Open>(algorithm_);
  return *slot;
}

void FileHashStage::feed(std::uint32_t file, std::uint64_t file_offset, std::span<const std::byte> bytes) {
  Open& o = open(file);
  // A hole (sparse run) before these bytes reads as zeros.
  static constexpr std::array<std::byte, 4096> zeros{};
  while (o.fed < file_offset) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), file_offset - o.fed));
    o.context.update({zeros.data(), n});
    o.fed += n;
  }
  o.context.update(bytes);
  o.fed += bytes.size();
}

HashedFile FileHashStage::digest(std::uint32_t file) {
  unsigned char digest[64];
  HashedFile h;
  h.file = file;
  const auto hex = to_hex(std::span<const unsigned char>(digest, open_[file]->context.final(digest)));
  (algorithm_ == HashAlgorithm::md5 ? h.md5 : h.sha256) = hex;
  open_[file].reset();
  return h;
}

void FileHashStage::close(std::uint32_t file) {
  const auto& f = map_.files()[file];
  feed(file, f.size, {});  // a hole at the end
  done_.push_back(digest(file));
}

void FileHashStage::consume(const Chunk& chunk) {
  const std::uint64_t begin = chunk.offset, end = chunk.offset + chunk.page_len;
  while (next_ < extents_.size() && extents_[next_].image_offset < end) active_.push_back(next_++);
  // Extents are disjoint within a file and in image order, so each file is fed in file order.
  std::sort(active_.begin(), active_.end());
  std::vector<std::size_t> still;
  for (std::size_t i : active_) {
    const FileExtent& e = extents_[i];
    const std::uint64_t from = std::max(begin, e.image_offset), to = std::min(end, e.image_offset + e.length);
    if (from < to)
      feed(e.file, e.file_offset + (from - e.image_offset),
           chunk.page().subspan(static_cast<std::size_t>(from - begin), static_cast<std::size_t>(to - from)));
    if (e.image_offset + e.length <= end) {
      if (--extents_left_[e.file] == 0) close(e.file);
    } else {
      still.push_back(i);
    }
  }
  active_ = std::move(still);
}

std::vector<HashedFile> FileHashStage::finish() {
  const auto& files = map_.files();
  for (std::uint32_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    if (!hashed(f)) continue;
    if (f.streamable && f.extents.empty()) {  // empty, or all holes: nothing in the pass fed it
      close(i);
      continue;
    }
    if (f.streamable) continue;
    Open& o = open(i);
    const bool ok = map_.read_file(i, [&](std::span<const std::byte> bytes) {
      o.context.update(bytes);
      o.fed += bytes.size();
    });
    HashedFile h = digest(i);
    h.read_through_tsk = true;
    h.complete = ok;
    done_.push_back(std::move(h));
  }
  // Extents past the end of a short image never completed: what they had is not a file hash.
  std::sort(done_.begin(), done_.end(), [](const HashedFile& a, const HashedFile& b) { return a.file < b.file; });
  return std::move(done_);
}

std::vector<HashedFile> FileHashStage::merge(std::vector<HashedFile> md5, const std::vector<HashedFile>& sha256) {
  if (md5.size() != sha256.size()) throw Error(ErrorKind::internal, "the file-hash stages hashed different files");
  for (std::size_t i = 0; i < md5.size(); ++i) {
    md5[i].sha256 = sha256[i].sha256;
    md5[i].complete = md5[i].complete && sha256[i].complete;
  }
  return md5;
}

}  // namespace trawl::detail
