// libFuzzer target: the file-system layer (host/filesystem/) on a hostile image. The input is
// the image, read through a trawl Source by The Sleuth Kit (tsk_img_open_external): volume and
// file-system discovery, the directory walk, the extent map and its lookups, then the file
// hashes as a scan makes them (FileHashStage fed the image's chunks in order, the rest read
// through TSK). A corrupt file system must map to what TSK could read, never crash trawl.
//
// libtsk itself is Debian's build, without coverage: the fuzzer is guided by trawl's code, and
// mutations of the seeds (tests/fuzz/corpus/filesystem/: tiny FAT12 and ext2 images from
// make_host_seeds.py, trailing zeros cut off) reach TSK's parsers. The image is the input
// padded with zeros to a multiple of 4 KiB (so seeds stay small).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "host/filesystem/file_system_map.hpp"
#include "host/modules/file_hash_stage.hpp"
#include "host/reader/chunk.hpp"
#include "tests/support/memory_source.hpp"
#include "trawl/trawl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace trawl::detail;
  std::vector<std::byte> image((size + 4095) / 4096 * 4096);
  if (size) std::memcpy(image.data(), data, size);
  const trawl::test::MemorySource source(std::move(image));
  const std::uint64_t image_size = *source.size();
  try {
    const auto map = FileSystemMap::build(source);
    const auto& files = map->files();
    for (const auto& f : files) {
      if (f.fs >= map->filesystems().size()) std::abort();
      for (const auto& e : f.extents)
        if (e.length == 0 || e.file_offset >= f.size || e.length > f.size - e.file_offset) std::abort();  // clipped to the size
      // What FileHashStage relies on: a streamable file's extents are disjoint, in file order and in image order.
      for (std::size_t i = 1; f.streamable && i < f.extents.size(); ++i) {
        const auto &a = f.extents[i - 1], &b = f.extents[i];
        if (b.file_offset < a.file_offset + a.length || b.image_offset < a.image_offset + a.length) std::abort();
      }
    }
    // Every sector of the image, and just past it.
    for (std::uint64_t offset = 0; offset <= image_size; offset += 512) {
      if (const auto context = map->lookup(offset)) {
        if (context->state != "allocated" && context->state != "deleted" && context->state != "unallocated") std::abort();
      }
      (void)map->in_allocated_file(offset);
    }
    // The file hashes: chunks of 4 KiB in image order, then finish() reads the rest through TSK.
    FileHashStage stage(*map, HashAlgorithm::md5);
    const auto& bytes = source.bytes();
    for (std::uint64_t offset = 0, index = 0; offset < image_size; offset += 4096, ++index) {
      Chunk chunk;
      chunk.index = index;
      chunk.offset = offset;
      chunk.page_len = chunk.data_len = static_cast<std::size_t>(std::min<std::uint64_t>(4096, image_size - offset));
      chunk.bytes = bytes.data() + offset;
      stage.consume(chunk);
    }
    std::set<std::uint32_t> hashed;
    for (const auto& h : stage.finish()) {
      if (h.file >= files.size() || !files[h.file].regular || h.md5.size() != 32 || !hashed.insert(h.file).second) std::abort();
    }
  } catch (const trawl::Error&) {
    std::abort();  // "Never throws for what is on the image"
  }
  return 0;
}
