#include "host/known/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "host/util/atomic_file.hpp"
#include "host/util/text.hpp"
#include "host/util/unique_fd.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

MappedFile::MappedFile(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error(ErrorKind::input, "cannot open " + in_quotes(path.string()) + ": " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw Error(ErrorKind::input, "cannot stat " + in_quotes(path.string()) + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw Error(ErrorKind::input, in_quotes(path.string()) + " is not a regular file");
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ == 0) return;  // mmap refuses length 0; an empty file is simply too short for any header
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) throw Error(ErrorKind::input, "cannot map " + in_quotes(path.string()) + ": " + errno_text(errno));
  data_ = static_cast<const std::byte*>(p);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

void append_section(std::string& out, const void* bytes, std::size_t size) {
  out.append(static_cast<const char*>(bytes), size);
  out.append(static_cast<std::size_t>(align8(size) - size), '\0');
}

void write_store(const std::filesystem::path& path, std::string_view contents) { write_file_atomically(path, contents); }

}  // namespace trawl::detail
