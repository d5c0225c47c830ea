#include "host/hashing/block_digest_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {
namespace {

constexpr char magic[8] = {'T', 'R', 'A', 'W', 'L', 'B', 'L', 'K'};
constexpr std::uint32_t format_version = 1;

template <typename T>
void put_le(unsigned char* at, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) at[i] = static_cast<unsigned char>(value >> (8 * i));
}

template <typename T>
T get_le(const unsigned char* at) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(at[i]) << (8 * i);
  return value;
}

void pwrite_all(int fd, const void* data, std::size_t size, std::uint64_t offset, const std::filesystem::path& path) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size) {
    ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(ErrorKind::output, "cannot write " + in_quotes(path.string()) + ": " + errno_text(errno));
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void encode(const BlockFileHeader& h, unsigned char* out) {
  std::memset(out, 0, block_file_header_size);
  std::memcpy(out, magic, sizeof magic);
  put_le<std::uint32_t>(out + 8, format_version);
  put_le<std::uint32_t>(out + 12, static_cast<std::uint32_t>(h.algorithm));
  put_le<std::uint32_t>(out + 16, h.digest_size);
  put_le<std::uint32_t>(out + 20, h.block_size);
  put_le<std::uint64_t>(out + 24, h.image_size);
  put_le<std::uint64_t>(out + 32, h.block_count);
  put_le<std::uint64_t>(out + 40, h.first_block);
  put_le<std::uint64_t>(out + 48, h.range_blocks);
}

}  // namespace

std::uint64_t block_count_for(std::uint64_t image_size, std::uint32_t block_size) {
  return image_size / block_size + (image_size % block_size != 0);  // no overflow near 2^64
}

BlockDigestWriter::BlockDigestWriter(const std::filesystem::path& path, HashAlgorithm algorithm,
                                     std::uint32_t block_size, std::uint64_t base_block)
    : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
  if (!fd_) throw Error(ErrorKind::output, "cannot create " + in_quotes(path.string()) + ": " + errno_text(errno));
  header_ = {algorithm, info(algorithm).digest_size, block_size, 0, 0, base_block, 0};
  unsigned char bytes[block_file_header_size];
  encode(header_, bytes);
  pwrite_all(fd_.get(), bytes, sizeof bytes, 0, path_);
}

void BlockDigestWriter::write(std::uint64_t first_block, std::span<const std::byte> digests) {
  pwrite_all(fd_.get(), digests.data(), digests.size(),
             block_file_header_size + (first_block - header_.first_block) * header_.digest_size, path_);
}

void BlockDigestWriter::close(std::uint64_t image_size, std::uint64_t range_end) {
  header_.image_size = image_size;
  header_.block_count = block_count_ = block_count_for(image_size, header_.block_size);
  if (range_end || header_.first_block) {
    header_.range_blocks = block_count_for(range_end ? range_end : image_size, header_.block_size) - header_.first_block;
    block_count_ = header_.range_blocks;
  }
  if (::ftruncate(fd_.get(), static_cast<off_t>(block_file_header_size + block_count_ * header_.digest_size)) != 0)
    throw Error(ErrorKind::output, "cannot size " + in_quotes(path_.string()) + ": " + errno_text(errno));
  unsigned char bytes[block_file_header_size];
  encode(header_, bytes);
  pwrite_all(fd_.get(), bytes, sizeof bytes, 0, path_);
  fd_.reset();
}

BlockFileHeader read_block_file(const std::filesystem::path& path,
                                const std::function<void(std::uint64_t, std::span<const unsigned char>)>& visit,
                                const std::function<void(const BlockFileHeader&)>& on_header) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw Error(ErrorKind::input, "cannot open " + in_quotes(path.string()) + ": " + errno_text(errno));
  unsigned char raw[block_file_header_size];
  if (::pread(fd.get(), raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw) || std::memcmp(raw, magic, sizeof magic) != 0)
    throw Error(ErrorKind::input, in_quotes(path.string()) + " is not a trawl block-digest file");
  if (get_le<std::uint32_t>(raw + 8) != format_version)
    throw Error(ErrorKind::input, in_quotes(path.string()) + " has an unknown block-digest format version");
  BlockFileHeader h;
  h.algorithm = static_cast<HashAlgorithm>(get_le<std::uint32_t>(raw + 12));
  h.digest_size = get_le<std::uint32_t>(raw + 16);
  h.block_size = get_le<std::uint32_t>(raw + 20);
  h.image_size = get_le<std::uint64_t>(raw + 24);
  h.block_count = get_le<std::uint64_t>(raw + 32);
  h.first_block = get_le<std::uint64_t>(raw + 40);
  h.range_blocks = get_le<std::uint64_t>(raw + 48);
  try {
    (void)info(h.algorithm);
  } catch (const Error&) {  // an id from a damaged or forged file is bad input, not a bug here
    throw Error(ErrorKind::input, in_quotes(path.string()) + " names an unknown digest algorithm (" +
                                      std::to_string(static_cast<std::uint32_t>(h.algorithm)) + ")");
  }
  if (h.digest_size != info(h.algorithm).digest_size || h.block_size == 0 ||
      h.block_count != block_count_for(h.image_size, h.block_size) || h.first_block > h.block_count ||
      h.range_blocks > h.block_count - h.first_block || (h.first_block && !h.range_blocks))
    throw Error(ErrorKind::input, in_quotes(path.string()) + " has an inconsistent header (incomplete run?)");
  if (on_header) on_header(h);
  std::vector<unsigned char> buffer(std::size_t{1} << 20);
  const std::size_t per_read = buffer.size() / h.digest_size;
  for (std::uint64_t first = 0; first < h.held(); first += per_read) {
    std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(per_read, h.held() - first));
    std::size_t bytes = count * h.digest_size;
    if (::pread(fd.get(), buffer.data(), bytes, static_cast<off_t>(block_file_header_size + first * h.digest_size)) !=
        static_cast<ssize_t>(bytes))
      throw Error(ErrorKind::input, in_quotes(path.string()) + " is shorter than its header says");
    for (std::size_t i = 0; i < count; ++i)
      visit(h.first_block + first + i, {buffer.data() + i * h.digest_size, h.digest_size});
  }
  return h;
}

}  // namespace trawl::detail
