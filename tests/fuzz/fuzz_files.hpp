// What the host targets share: the parsers under test take paths, so each input is written to a
// file in a folder of this process's own (removed at exit), and an Error must carry the code its
// parser documents.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "trawl/trawl.hpp"

namespace trawl::fuzz {

class FuzzDir {
 public:
  explicit FuzzDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("trawl-fuzz-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~FuzzDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  FuzzDir(const FuzzDir&) = delete;
  FuzzDir& operator=(const FuzzDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `bytes` as the folder's file `name` (replacing it) and returns its path.
  std::filesystem::path write(const std::string& name, const std::uint8_t* bytes, std::size_t size) const {
    const auto file = path_ / name;
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) std::abort();
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::write(fd, bytes + done, size - done);
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return file;
  }

 private:
  std::filesystem::path path_;
};

// A bad input must be the documented error, nothing else (no internal error, no usage error).
inline void expect_code(const Error& e, ErrorKind kind) {
  if (e.kind() != kind) std::abort();
}

}  // namespace trawl::fuzz
