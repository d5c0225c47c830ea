// hashes.txt: image hashes as BSD-style lines of the *sum tools ("SHA256 (image.raw) = ..."),
// which `sha256sum -c`, `md5sum -c` and `cksum -c` read; and the reader behind `trawl verify`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "trawl/trawl.hpp"

namespace trawl::detail {

std::string format_hash_list(const std::string& image, const std::vector<ImageDigest>& digests);

// Reads expected hashes from: BSD-style lines ("MD5 (x) = hex", as `md5sum --tag` and `xxhsum
// --tag` write), plain *sum lines ("hex  x": the algorithm from the length, 32 hex = md5), or a
// trawl summary.json. Throws Error(input) for a file with no hash in it.
std::vector<ImageDigest> read_expected_hashes(const std::filesystem::path& file);

}  // namespace trawl::detail
