#include "host/sinks/line_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

void LineFile::open(const std::filesystem::path& path) {
  path_ = path;
  fd_ = UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_) throw Error(ErrorKind::output, "cannot create " + in_quotes(path.string()) + ": " + errno_text(errno));
  buffer_.clear();
  written_ = 0;
  failed_ = false;
}

void LineFile::write_line(std::string_view line) {
  if (failed_) return;  // the error was thrown already; the file stays whole
  buffer_.append(line);
  buffer_.push_back('\n');
  if (buffer_.size() >= flush_at) flush();
}

void LineFile::flush() {
  if (!fd_ || failed_ || buffer_.empty()) return;
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_.get(), buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      failed_ = true;
      // Cut back to the last whole line written before this buffer (truncating needs no space).
      if (::ftruncate(fd_.get(), static_cast<off_t>(written_)) != 0) { /* the error below says enough */ }
      buffer_.clear();
      throw Error(ErrorKind::output, "cannot write " + in_quotes(path_.string()) + ": " + errno_text(err));
    }
    done += static_cast<std::size_t>(n);
  }
  written_ += buffer_.size();
  buffer_.clear();
}

LineFile::~LineFile() {
  try {
    flush();
  } catch (const Error&) {
  }
}

}  // namespace trawl::detail
