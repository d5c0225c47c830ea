// Typed records that the engine's modules produce and the sinks turn into JSON, DFXML or
// feature files. The public ones (CarvedFile, KnownRun, ...) are in trawl/trawl.hpp; these are
// the engine's own.
#pragma once

#include <cstdint>
#include <string>

namespace trawl::detail {

// A file of a mapped file system, hashed (host/modules/file_hash_stage).
struct HashedFile {
  std::uint32_t file = 0;         // index into FileSystemMap::files()
  std::string md5, sha256;        // lowercase hex; each stage fills the one of its algorithm
  bool read_through_tsk = false;  // not streamable: read after the pass
  bool complete = true;           // false: TSK could not read all of it (the digests cover what it read)
};

}  // namespace trawl::detail
