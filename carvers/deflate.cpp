#include "carvers/deflate.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <memory>
#include <vector>
#include <new>

namespace trawl::carvers {
namespace {

// zlib's stream as an RAII value: inflateEnd runs however the walk leaves.
struct RawInflater {
  z_stream z{};
  bool ready = false;
  RawInflater() { ready = inflateInit2(&z, -MAX_WBITS) == Z_OK; }
  ~RawInflater() {
    if (ready) inflateEnd(&z);
  }
  RawInflater(const RawInflater&) = delete;
  RawInflater& operator=(const RawInflater&) = delete;
};

// libdeflate (whole-buffer, about twice zlib's speed) for a stream whose compressed bytes lie in
// one contiguous window, which is most streams: a gzip or ZIP member inside the chunk being
// scanned. nullopt when the fast path cannot decide; zlib's streaming inflate then does.
struct FastInflater {
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::vector<unsigned char> out;  // grows to the largest output seen, up to fast_out_limit
  ~FastInflater() {
    if (d) libdeflate_free_decompressor(d);
  }
};
constexpr std::size_t fast_out_limit = 64 << 20;

std::optional<Inflated> inflate_contiguous(std::span<const std::byte> in, std::uint64_t max_out, bool& invalid) {
  thread_local FastInflater fast;
  if (!fast.d) return std::nullopt;
  std::size_t room = std::max<std::size_t>(fast.out.size(), std::min<std::size_t>(4 * in.size() + 4096, fast_out_limit));
  for (;;) {
    if (fast.out.size() < room) fast.out.resize(room);
    std::size_t used_in = 0, made = 0;
    const auto rc = libdeflate_deflate_decompress_ex(fast.d, in.data(), in.size(), fast.out.data(), room, &used_in, &made);
    if (rc == LIBDEFLATE_SUCCESS) {
      if (made > max_out) {
        invalid = true;
        return std::nullopt;
      }
      return Inflated{used_in, made, libdeflate_crc32(0, fast.out.data(), made)};
    }
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE || room >= fast_out_limit) return std::nullopt;  // bad or cut-off data: zlib decides
    room = std::min(room * 4, fast_out_limit);
  }
}

}  // namespace

std::optional<Inflated> inflate_raw(const ByteView& view, std::uint64_t pos, std::uint64_t max_in, std::uint64_t max_out) {
  // The fast path sees at most the contiguous bytes at pos; when it fails (bad data, a stream
  // longer than that run, or a large output) zlib gives the answer, so both agree by construction.
  {
    auto run = view.window(pos, max_in);
    bool invalid = false;
    auto fast = inflate_contiguous(run, max_out, invalid);
    if (fast) return fast;
    if (invalid) return std::nullopt;
  }
  RawInflater inflater;
  if (!inflater.ready) throw std::bad_alloc();
  z_stream& z = inflater.z;
  constexpr std::size_t out_size = 64 << 10;
  auto out = std::make_unique<unsigned char[]>(out_size);
  Inflated result;
  uLong crc = ::crc32(0L, Z_NULL, 0);
  std::uint64_t fed = 0;  // input bytes handed to zlib so far
  for (;;) {
    if (z.avail_in == 0) {
      if (fed >= max_in) return std::nullopt;
      // Each window is used up before the next is asked for, so the span stays valid.
      auto w = view.window(pos + fed, std::min<std::uint64_t>(max_in - fed, 1 << 20));
      z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(w.data()));
      z.avail_in = static_cast<uInt>(w.size());
      fed += w.size();
    }
    z.next_out = out.get();
    z.avail_out = out_size;
    const int rc = ::inflate(&z, Z_NO_FLUSH);
    const std::size_t made = out_size - z.avail_out;
    crc = ::crc32_z(crc, out.get(), made);
    result.produced += made;
    if (result.produced > max_out) return std::nullopt;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) continue;  // needs more input
    if (rc != Z_OK && rc != Z_BUF_ERROR) return std::nullopt;  // Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR
    if (rc == Z_BUF_ERROR && made == 0) return std::nullopt;  // no progress possible
  }
  result.consumed = z.total_in;
  result.crc = static_cast<std::uint32_t>(crc);
  return result;
}

}  // namespace trawl::carvers
