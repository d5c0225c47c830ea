// libFuzzer target: the block-digest file reader (host/hashing/block_digest_file.cpp). `trawl
// merge`, `verify` and the case tools read these files from earlier runs, which may be cut short,
// damaged or forged: a bad file must end in Error(input), never a crash or a huge allocation.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "host/hashing/block_digest_file.hpp"
#include "trawl/trawl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The reader takes a path: the input goes to a file of this process's own.
  static const std::string path = "/tmp/trawl-fuzz-block-file-" + std::to_string(::getpid());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  ::close(fd);
  std::uint64_t visited = 0;
  try {
    auto header = trawl::detail::read_block_file(path, [&](std::uint64_t index, std::span<const unsigned char> digest) {
      if (digest.empty()) std::abort();
      (void)index;
      ++visited;
    });
    if (visited != header.held()) std::abort();
    // Every digest it visited was in the file: the header promised no more than the bytes hold.
    if (64 + visited * header.digest_size > size) std::abort();
  } catch (const trawl::Error& e) {
    if (e.kind() != trawl::ErrorKind::input) std::abort();  // a bad file is bad input, nothing else
  }
  return 0;
}
