#include "host/filesystem/file_system_map.hpp"

#include <tsk/libtsk.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>

namespace trawl::detail {
namespace {

// libtsk's view of a trawl::Source: TSK_IMG_INFO first (TSK casts the pointer), the source after.
struct ExternalImage {
  TSK_IMG_INFO info;
  const Source* source;
};

// Called from libtsk's C code: no exception may cross it (it would skip TSK's own clean-up), so
// a source that throws reads as a read error here, and throws again in the pass.
ssize_t read_source(TSK_IMG_INFO* img, TSK_OFF_T offset, char* buffer, std::size_t length) noexcept {
  const auto* self = reinterpret_cast<ExternalImage*>(img);
  Source::Read r;
  try {
    r = self->source->read_at({reinterpret_cast<std::byte*>(buffer), length}, static_cast<std::uint64_t>(offset));
  } catch (...) {
    r = {0, EIO};
  }
  if (r.bytes == 0 && r.error) {
    tsk_error_reset();
    tsk_error_set_errno(TSK_ERR_IMG_READ);
    tsk_error_set_errstr("trawl source: read error at offset %lld", static_cast<long long>(offset));
    return -1;
  }
  return static_cast<ssize_t>(r.bytes);
}

void close_source(TSK_IMG_INFO* img) { delete reinterpret_cast<ExternalImage*>(img); }

void print_source(TSK_IMG_INFO*, FILE* out) { std::fputs("trawl source\n", out); }

// Sorts extents by image offset and trims each one by what earlier ones already cover (the
// first one wins), so a lookup needs one binary search.
void make_disjoint(std::vector<FileExtent>& extents) {
  std::sort(extents.begin(), extents.end(), [](const FileExtent& a, const FileExtent& b) {
    return std::tie(a.image_offset, a.file) < std::tie(b.image_offset, b.file);
  });
  std::vector<FileExtent> out;
  out.reserve(extents.size());
  std::uint64_t covered = 0;
  for (auto e : extents) {
    const std::uint64_t end = e.image_offset + e.length;
    if (end <= covered) continue;
    if (e.image_offset < covered) {
      e.file_offset += covered - e.image_offset;
      e.length = end - covered;
      e.image_offset = covered;
    }
    covered = end;
    out.push_back(e);
  }
  extents = std::move(out);
}

// File names are bytes on ext and the like; JSON and XML need UTF-8: bytes that are not valid
// UTF-8 become U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size() && !(n == 2 && c < 0xc2);
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

const FileExtent* find_extent(const std::vector<FileExtent>& extents, std::uint64_t offset) {
  auto it = std::upper_bound(extents.begin(), extents.end(), offset,
                             [](std::uint64_t o, const FileExtent& e) { return o < e.image_offset; });
  if (it == extents.begin()) return nullptr;
  --it;
  return offset - it->image_offset < it->length ? &*it : nullptr;
}

bool in_ranges(const std::vector<ByteRange>& ranges, std::uint64_t offset) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), offset,
                             [](std::uint64_t o, const ByteRange& r) { return o < r.offset; });
  if (it == ranges.begin()) return false;
  --it;
  return offset - it->offset < it->length;
}

}  // namespace

struct FileSystemMap::Tsk {
  TSK_IMG_INFO* img = nullptr;
  TSK_VS_INFO* vs = nullptr;
  std::vector<TSK_FS_INFO*> fs;  // parallel to filesystems_
  ~Tsk() {
    for (auto* f : fs) tsk_fs_close(f);
    if (vs) tsk_vs_close(vs);
    if (img) tsk_img_close(img);
  }
};

FileSystemMap::FileSystemMap(const Source& source) : tsk_(std::make_unique<Tsk>()) {
  auto* image = new ExternalImage{};
  image->source = &source;
  image->info.tag = TSK_IMG_INFO_TAG;
  tsk_->img = tsk_img_open_external(image, static_cast<TSK_OFF_T>(source.size().value_or(0)), 512, read_source,
                                    close_source, print_source);
  if (!tsk_->img) delete image;  // TSK did not take it
}

FileSystemMap::~FileSystemMap() = default;

std::unique_ptr<FileSystemMap> FileSystemMap::build(const Source& source) {
  std::unique_ptr<FileSystemMap> map(new FileSystemMap(source));
  if (!map->tsk_->img || !source.size() || *source.size() == 0) return map;
  TSK_IMG_INFO* img = map->tsk_->img;
  // A volume system (MBR, GPT, ...) first; without one, a file system at offset 0.
  map->tsk_->vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
  if (TSK_VS_INFO* vs = map->tsk_->vs) {
    const std::string vs_name = tsk_vs_type_toname(vs->vstype);
    for (TSK_PNUM_T i = 0; i < vs->part_count; ++i) {
      const TSK_VS_PART_INFO* part = tsk_vs_part_get(vs, i);
      if (!part || !(part->flags & TSK_VS_PART_FLAG_ALLOC)) continue;
      map->add_file_system(static_cast<std::uint64_t>(part->start) * vs->block_size, vs_name);
    }
  } else {
    tsk_error_reset();
    map->add_file_system(0, "none");
  }
  tsk_error_reset();
  make_disjoint(map->allocated_);
  make_disjoint(map->deleted_);
  std::sort(map->unallocated_.begin(), map->unallocated_.end(), [](auto& a, auto& b) { return a.offset < b.offset; });
  std::sort(map->fs_ranges_.begin(), map->fs_ranges_.end(), [](auto& a, auto& b) { return a.offset < b.offset; });
  return map;
}

namespace {

// What one directory walk collects: each (inode) once, under its first allocated name.
struct WalkState {
  TSK_FS_INFO* fs = nullptr;
  std::uint32_t fs_index = 0;
  std::vector<FsFile>* files = nullptr;
  std::map<TSK_INUM_T, std::uint32_t> by_inode;  // -> index into files
  std::uint64_t names = 0;
};

// The content of one attribute (the file's default data, or an NTFS named stream) as extents in
// file order, from its run list.
void load_extents(const TSK_FS_ATTR* attr, TSK_FS_INFO* fs, FsFile& out) {
  if (!attr) {
    out.streamable = out.size == 0;
    return;
  }
  bool streamable = (attr->flags & TSK_FS_ATTR_NONRES) && !(attr->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) &&
                    attr->nrd.initsize == attr->size;
  if (!(attr->flags & TSK_FS_ATTR_NONRES)) {
    out.streamable = false;  // resident: read through TSK
    return;
  }
  const std::uint64_t block = fs->block_size;
  std::uint64_t last_image_end = 0;
  for (const TSK_FS_ATTR_RUN* run = attr->nrd.run; run; run = run->next) {
    if (run->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE) continue;
    if (run->flags & (TSK_FS_ATTR_RUN_FLAG_FILLER | TSK_FS_ATTR_RUN_FLAG_ENCRYPTED)) {
      streamable = false;
      continue;
    }
    FileExtent e;
    e.image_offset = static_cast<std::uint64_t>(fs->offset) + run->addr * block;
    e.length = run->len * block;
    e.file_offset = run->offset * block;
    if (e.length == 0) continue;
    if (e.image_offset < last_image_end) streamable = false;
    last_image_end = e.image_offset + e.length;
    out.extents.push_back(e);
  }
  std::sort(out.extents.begin(), out.extents.end(),
            [](const FileExtent& a, const FileExtent& b) { return a.file_offset < b.file_offset; });
  for (std::size_t i = 1; i < out.extents.size(); ++i)
    if (out.extents[i].image_offset < out.extents[i - 1].image_offset + out.extents[i - 1].length ||
        out.extents[i].file_offset < out.extents[i - 1].file_offset + out.extents[i - 1].length)
      streamable = false;
  out.streamable = streamable;
}

TSK_WALK_RET_ENUM on_name(TSK_FS_FILE* file, const char* parent, void* ptr) {
  auto& st = *static_cast<WalkState*>(ptr);
  if (!file->name || !file->meta) return TSK_WALK_CONT;
  if (TSK_FS_ISDOT(file->name->name)) return TSK_WALK_CONT;
  ++st.names;
  const bool name_alloc = file->name->flags & TSK_FS_NAME_FLAG_ALLOC;
  const bool meta_alloc = file->meta->flags & TSK_FS_META_FLAG_ALLOC;
  // A deleted name whose inode now belongs to another file says nothing about this content.
  if (!name_alloc && meta_alloc) return TSK_WALK_CONT;
  const bool allocated = name_alloc && meta_alloc;
  const TSK_INUM_T inode = file->meta->addr;
  std::string path = valid_utf8("/" + std::string(parent ? parent : "") + file->name->name);
  if (auto it = st.by_inode.find(inode); it != st.by_inode.end()) {
    FsFile& known = (*st.files)[it->second];
    if (allocated && !known.allocated) {  // the allocated name wins over a deleted one
      known.path = std::move(path);
      known.allocated = true;
    }
    return TSK_WALK_CONT;
  }
  FsFile f;
  f.path = std::move(path);
  f.inode = inode;
  f.allocated = allocated;
  f.regular = file->meta->type == TSK_FS_META_TYPE_REG;
  f.fs = st.fs_index;
  f.size = file->meta->size > 0 ? static_cast<std::uint64_t>(file->meta->size) : 0;
  // TSK builds the run list of a block-pointer inode one block at a time up to its size, holes
  // included: an inode that says 4 GiB took 36 s (found by tests/fuzz/fuzz_filesystem). A file
  // larger than its whole file system, or than what the image holds of it (a superblock may
  // claim any size), is not loaded at all (FileSystemMapTest.AnInodeLargerThanItsFileSystemIsNotLoaded,
  // ...LargerThanTheImageOfItsFileSystem...).
  const bool pointer_blocks = (TSK_FS_TYPE_ISEXT(st.fs->ftype) || TSK_FS_TYPE_ISFFS(st.fs->ftype)) &&
                              file->meta->content_type == TSK_FS_META_CONTENT_TYPE_DEFAULT;
  const std::uint64_t fs_blocks = std::min<std::uint64_t>(st.fs->block_count, st.fs->last_block_act + 1);
  if (pointer_blocks && f.size / st.fs->block_size > fs_blocks) {
    f.oversized = true;
    st.by_inode.emplace(inode, static_cast<std::uint32_t>(st.files->size()));
    st.files->push_back(std::move(f));
    return TSK_WALK_CONT;
  }
  const TSK_FS_ATTR* data = tsk_fs_file_attr_get(file);
  if (!data) tsk_error_reset();
  // NTFS named streams (alternate data streams) are files of their own here: "path:stream".
  std::vector<FsFile> streams;
  const int attributes = TSK_FS_TYPE_ISNTFS(st.fs->ftype) ? tsk_fs_file_attr_getsize(file) : 0;
  for (int i = 0; i < attributes; ++i) {
    const TSK_FS_ATTR* attr = tsk_fs_file_attr_get_idx(file, i);
    if (!attr || attr == data || attr->type != TSK_FS_ATTR_TYPE_NTFS_DATA || !attr->name || !attr->name[0]) continue;
    FsFile s;
    s.path = f.path + ":" + valid_utf8(attr->name);
    s.inode = f.inode;
    s.allocated = f.allocated;
    s.regular = f.regular;
    s.fs = f.fs;
    s.size = attr->size > 0 ? static_cast<std::uint64_t>(attr->size) : 0;
    s.attribute = {attr->type, attr->id};
    load_extents(attr, st.fs, s);
    streams.push_back(std::move(s));
  }
  tsk_error_reset();
  // A file whose only data is a named stream ($Secure:$SDS) is known by that stream's name, as fls names it.
  if (data && TSK_FS_TYPE_ISNTFS(st.fs->ftype) && data->name && data->name[0]) {
    f.path += ":" + valid_utf8(data->name);
    f.size = data->size > 0 ? static_cast<std::uint64_t>(data->size) : 0;
    f.attribute = {data->type, data->id};
  }
  load_extents(data, st.fs, f);
  st.by_inode.emplace(inode, static_cast<std::uint32_t>(st.files->size()));
  st.files->push_back(std::move(f));
  for (auto& s : streams) st.files->push_back(std::move(s));
  for (std::size_t i = st.files->size() - 1 - streams.size(); i < st.files->size(); ++i)
    for (auto& e : (*st.files)[i].extents) e.file = static_cast<std::uint32_t>(i);
  return TSK_WALK_CONT;
}

TSK_WALK_RET_ENUM on_free_block(const TSK_FS_BLOCK* block, void* ptr) {
  auto& runs = *static_cast<std::vector<TSK_DADDR_T>*>(ptr);
  // Pairs (first, end) of consecutive free blocks.
  if (!runs.empty() && runs.back() == block->addr) {
    runs.back() = block->addr + 1;
  } else {
    runs.push_back(block->addr);
    runs.push_back(block->addr + 1);
  }
  return TSK_WALK_CONT;
}

}  // namespace

void FileSystemMap::add_file_system(std::uint64_t offset, std::string volume_system) {
  TSK_FS_INFO* fs = tsk_fs_open_img(tsk_->img, static_cast<TSK_OFF_T>(offset), TSK_FS_TYPE_DETECT);
  if (!fs) {
    tsk_error_reset();
    return;
  }
  const auto fs_index = static_cast<std::uint32_t>(filesystems_.size());
  tsk_->fs.push_back(fs);
  FileSystemInfo info;
  info.partition_offset = offset;
  info.block_size = fs->block_size;
  info.length = static_cast<std::uint64_t>(fs->block_count) * fs->block_size;
  info.volume_system = std::move(volume_system);
  info.type = tsk_fs_type_toname(fs->ftype);
  fs_ranges_.push_back({offset, info.length});

  WalkState st;
  st.fs = fs;
  st.fs_index = fs_index;
  st.files = &files_;
  const std::size_t first = files_.size();
  const auto flags = static_cast<TSK_FS_DIR_WALK_FLAG_ENUM>(TSK_FS_DIR_WALK_FLAG_RECURSE | TSK_FS_DIR_WALK_FLAG_ALLOC |
                                                            TSK_FS_DIR_WALK_FLAG_UNALLOC);
  if (tsk_fs_dir_walk(fs, fs->root_inum, flags, on_name, &st)) tsk_error_reset();  // keep what was walked
  info.files = files_.size() - first;
  for (std::size_t i = first; i < files_.size(); ++i)
    for (const auto& e : files_[i].extents) (files_[i].allocated ? allocated_ : deleted_).push_back(e);

  std::vector<TSK_DADDR_T> free_runs;
  const auto block_flags = static_cast<TSK_FS_BLOCK_WALK_FLAG_ENUM>(TSK_FS_BLOCK_WALK_FLAG_UNALLOC | TSK_FS_BLOCK_WALK_FLAG_AONLY);
  if (tsk_fs_block_walk(fs, fs->first_block, fs->last_block, block_flags, on_free_block, &free_runs)) tsk_error_reset();
  for (std::size_t i = 0; i + 1 < free_runs.size(); i += 2)
    unallocated_.push_back({offset + free_runs[i] * fs->block_size, (free_runs[i + 1] - free_runs[i]) * fs->block_size});

  // Hashing needs the content bytes, not whole blocks: clip each file's extents to its size.
  for (std::size_t i = first; i < files_.size(); ++i) {
    auto& f = files_[i];
    std::vector<FileExtent> clipped;
    for (auto e : f.extents) {
      if (e.file_offset >= f.size) continue;
      e.length = std::min(e.length, f.size - e.file_offset);
      clipped.push_back(e);
    }
    f.extents = std::move(clipped);
  }
  filesystems_.push_back(std::move(info));
}

std::optional<FileContext> FileSystemMap::lookup(std::uint64_t offset) const {
  for (const auto* extents : {&allocated_, &deleted_}) {
    if (const FileExtent* e = find_extent(*extents, offset)) {
      const FsFile& f = files_[e->file];
      return FileContext{f.path, f.inode, f.allocated ? "allocated" : "deleted", e->file_offset + (offset - e->image_offset)};
    }
  }
  if (!in_ranges(fs_ranges_, offset)) return std::nullopt;
  if (in_ranges(unallocated_, offset)) return FileContext{"", 0, "unallocated", std::nullopt};
  // Allocated, but to no named file: the file system's own structures (superblock, inode
  // tables, journal, allocation bitmaps).
  return FileContext{"$Metadata", 0, "allocated", std::nullopt};
}

std::string FileSystemMap::tsk_version() { return tsk_version_get_str(); }

bool FileSystemMap::in_allocated_file(std::uint64_t offset) const { return find_extent(allocated_, offset) != nullptr; }

bool FileSystemMap::read_file(std::uint32_t index, const std::function<void(std::span<const std::byte>)>& sink) const {
  const FsFile& f = files_.at(index);
  TSK_FS_FILE* file = tsk_fs_file_open_meta(tsk_->fs.at(f.fs), nullptr, static_cast<TSK_INUM_T>(f.inode));
  if (!file) {
    tsk_error_reset();
    return false;
  }
  std::vector<char> buffer(1 << 20);
  bool ok = true;
  for (std::uint64_t done = 0; done < f.size;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), f.size - done));
    const ssize_t got = f.attribute
        ? tsk_fs_file_read_type(file, static_cast<TSK_FS_ATTR_TYPE_ENUM>(f.attribute->first), f.attribute->second,
                                static_cast<TSK_OFF_T>(done), buffer.data(), want, TSK_FS_FILE_READ_FLAG_NONE)
        : tsk_fs_file_read(file, static_cast<TSK_OFF_T>(done), buffer.data(), want, TSK_FS_FILE_READ_FLAG_NONE);
    if (got <= 0) {
      tsk_error_reset();
      ok = false;
      break;
    }
    sink({reinterpret_cast<const std::byte*>(buffer.data()), static_cast<std::size_t>(got)});
    done += static_cast<std::uint64_t>(got);
  }
  tsk_fs_file_close(file);
  return ok;
}

}  // namespace trawl::detail
