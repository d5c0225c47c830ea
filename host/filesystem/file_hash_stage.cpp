#include "host/filesystem/file_hash_stage.hpp"

#include <algorithm>
#include <array>

#include "host/util/text.hpp"

namespace trawl::detail {
namespace {

bool hashed(const MappedFile& f) { return f.regular; }

}  // namespace

struct FileHashStage::Open {
  EvpContext md5{evp_md(HashAlgorithm::md5)};
  EvpContext sha256{evp_md(HashAlgorithm::sha256)};
  std::uint64_t fed = 0;  // file bytes hashed so far (holes included)
};

FileHashStage::FileHashStage(const FileSystemMap& map) : map_(map) {
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
  if (!slot) slot = std::make_unique<Open>();
  return *slot;
}

void FileHashStage::feed(std::uint32_t file, std::uint64_t file_offset, std::span<const std::byte> bytes) {
  Open& o = open(file);
  // A hole (sparse run) before these bytes reads as zeros.
  static constexpr std::array<std::byte, 4096> zeros{};
  while (o.fed < file_offset) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), file_offset - o.fed));
    o.md5.update({zeros.data(), n});
    o.sha256.update({zeros.data(), n});
    o.fed += n;
  }
  o.md5.update(bytes);
  o.sha256.update(bytes);
  o.fed += bytes.size();
}

void FileHashStage::close(std::uint32_t file) {
  const auto& f = map_.files()[file];
  feed(file, f.size, {});  // a hole at the end
  Open& o = *open_[file];
  unsigned char digest[64];
  HashedFile h;
  h.file = file;
  h.md5 = to_hex(std::span<const unsigned char>(digest, o.md5.final(digest)));
  h.sha256 = to_hex(std::span<const unsigned char>(digest, o.sha256.final(digest)));
  done_.push_back(std::move(h));
  open_[file].reset();
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
      o.md5.update(bytes);
      o.sha256.update(bytes);
      o.fed += bytes.size();
    });
    unsigned char digest[64];
    HashedFile h;
    h.file = i;
    h.md5 = to_hex(std::span<const unsigned char>(digest, o.md5.final(digest)));
    h.sha256 = to_hex(std::span<const unsigned char>(digest, o.sha256.final(digest)));
    h.read_through_tsk = true;
    h.complete = ok;
    done_.push_back(std::move(h));
    open_[i].reset();
  }
  // Extents past the end of a short image never completed: what they had is not a file hash.
  std::sort(done_.begin(), done_.end(), [](const HashedFile& a, const HashedFile& b) { return a.file < b.file; });
  return std::move(done_);
}

}  // namespace trawl::detail
