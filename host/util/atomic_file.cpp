#include "host/util/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "host/util/text.hpp"
#include "host/util/unique_fd.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

namespace fs = std::filesystem;

void write_file_atomically(const fs::path& path, std::string_view contents) {
  fs::path temporary = path;
  temporary += ".tmp";
  {
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw Error(ErrorKind::output, "cannot create " + in_quotes(temporary.string()) + ": " + errno_text(errno));
    const char* p = contents.data();
    std::size_t left = contents.size();
    while (left) {
      ssize_t n = ::write(fd.get(), p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = errno;
        ::unlink(temporary.c_str());
        throw Error(ErrorKind::output, "cannot write " + in_quotes(path.string()) + ": " + errno_text(err));
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      int err = errno;
      ::unlink(temporary.c_str());
      throw Error(ErrorKind::output, "cannot write " + in_quotes(path.string()) + ": " + errno_text(err));
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0)
    throw Error(ErrorKind::output, "cannot rename " + in_quotes(temporary.string()) + ": " + errno_text(errno));
}

}  // namespace trawl::detail
