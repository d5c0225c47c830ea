// A file mapped read-only into memory, and the helpers the known-file stores (hash sets, block
// databases) share: both are written once through a temporary file and a rename, then opened
// with mmap by every scan that uses them, so a 10-million-entry store costs no parse at start.
//
// The stores are little-endian with every section 8-byte aligned, read in place as arrays of
// plain structs; the build refuses a big-endian host rather than silently writing another layout.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace trawl::detail {

static_assert(std::endian::native == std::endian::little, "the known-file stores are read in place as little-endian");

class MappedFile {
 public:
  MappedFile() = default;
  // Maps `path` read-only. Throws Error(input) naming the file when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// Bytes up to the next multiple of 8.
constexpr std::uint64_t align8(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }

// Appends `bytes` then zero padding to a multiple of 8: how every section of a store is written.
void append_section(std::string& out, const void* bytes, std::size_t size);

// Writes a whole store: a temporary file next to `path`, fsync, rename (write_file_atomically).
// Throws Error(output).
void write_store(const std::filesystem::path& path, std::string_view contents);

}  // namespace trawl::detail
