// A JSON Lines (or any line-oriented) output file that only ever holds whole lines: lines are
// buffered and written whole with write(2); a write that fails part way (ENOSPC, EIO) is cut
// back to the last whole line before the error is thrown. So a disk that fills up, an error in
// another stage or SIGINT leave a file that ends on '\n'. After SIGKILL the file holds whole
// lines except possibly a last one without '\n' (the kernel may stop a write between pages);
// readers drop such a line.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "host/util/unique_fd.hpp"

namespace trawl::detail {

class LineFile {
 public:
  LineFile() = default;
  // Creates (truncates) the file; throws Error(output) with the path and the reason.
  void open(const std::filesystem::path& path);
  bool is_open() const { return static_cast<bool>(fd_); }
  // Appends one line; `line` holds no '\n' (it is added). Throws Error(output) when a write fails.
  void write_line(std::string_view line);
  // Writes what is buffered. Throws Error(output) when a write fails.
  void flush();
  // Flushes what it can; never throws (a failed flush still leaves whole lines).
  ~LineFile();
  LineFile(const LineFile&) = delete;
  LineFile& operator=(const LineFile&) = delete;

 private:
  static constexpr std::size_t flush_at = 256 << 10;  // bytes buffered before a write
  std::filesystem::path path_;
  UniqueFd fd_;
  std::string buffer_;       // whole lines not yet written
  std::uint64_t written_ = 0;  // bytes in the file, all of them whole lines
  bool failed_ = false;      // a write failed: the file stays as it was cut back
};

}  // namespace trawl::detail
