// Writing a whole file so that a reader never sees half of it.
#pragma once

#include <filesystem>
#include <string_view>

namespace trawl::detail {

// Writes a whole file atomically: a temporary file in the same folder, fsync, rename. A reader
// sees the old file or the new one, never half of one. Throws Error(output) with one line.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace trawl::detail
