#include "host/decoders/inflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace trawl::detail {
namespace {

unsigned byte_at(std::span<const std::byte> b, std::size_t i) { return i < b.size() ? static_cast<unsigned>(b[i]) : 0x100; }

std::uint32_t le16(std::span<const std::byte> b, std::size_t i) { return byte_at(b, i) | (byte_at(b, i + 1) << 8); }

// Where the deflate data of a gzip member whose header starts at i begins (RFC 1952: ID1 ID2 CM
// FLG MTIME(4) XFL OS, then the optional fields FLG names); 0 when the header is not one a
// compressor writes (reserved flags, XFL other than 0/2/4, an unknown OS, a name or comment
// without its NUL within bounds); `bytes.size()` + 1 when it runs past the buffer (zlib then
// parses it from the source).
std::size_t gzip_data_offset(std::span<const std::byte> bytes, std::size_t i) {
  constexpr std::size_t max_name = 1024, max_comment = 4096;  // NAME_MAX is 255 bytes
  const unsigned flags = byte_at(bytes, i + 3), xfl = byte_at(bytes, i + 8), os = byte_at(bytes, i + 9);
  if (flags >= 0x20 || (xfl != 0 && xfl != 2 && xfl != 4) || (os > 13 && os != 255)) return 0;
  const std::size_t past = bytes.size() + 1;
  std::size_t at = i + 10;
  if (flags & 0x04) {  // FEXTRA: XLEN, then that many bytes
    if (at + 2 > bytes.size()) return past;
    at += 2 + le16(bytes, at);
  }
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  for (auto [flag, bound] : {std::pair{0x08u, max_name}, std::pair{0x10u, max_comment}}) {  // FNAME, FCOMMENT: NUL-ended
    if (!(flags & flag)) continue;
    if (at >= bytes.size()) return past;
    const std::size_t span = std::min(bound, bytes.size() - at);
    const auto* nul = static_cast<const unsigned char*>(std::memchr(data + at, 0, span));
    if (!nul) return span == bound ? 0 : past;
    at = static_cast<std::size_t>(nul - data) + 1;
  }
  if (flags & 0x02) at += 2;  // FHCRC
  return at < bytes.size() ? at : past;
}

}  // namespace

std::vector<StreamStart> find_streams(std::span<const std::byte> bytes, std::size_t begin, std::size_t end) {
  std::vector<StreamStart> found;
  end = std::min(end, bytes.size());
  // Candidates by their first byte, found with memchr (vectorised): 1F (gzip), 78 (zlib), 'P' (ZIP).
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  std::vector<std::size_t> starts;
  for (int first : {0x1f, 0x78, int{'P'}}) {
    for (const unsigned char* p = data + begin; p < data + end;) {
      p = static_cast<const unsigned char*>(std::memchr(p, first, static_cast<std::size_t>(data + end - p)));
      if (!p) break;
      starts.push_back(static_cast<std::size_t>(p - data));
      ++p;
    }
  }
  std::sort(starts.begin(), starts.end());
  for (std::size_t i : starts) {
    unsigned b0 = byte_at(bytes, i), b1 = byte_at(bytes, i + 1);
    if (b0 == 0x1f && b1 == 0x8b && byte_at(bytes, i + 2) == 8) {
      // The header parsed here: a candidate costs no read and no inflate state unless it is one a
      // compressor writes, and its deflate data is inflated raw (a header cut by the buffer's end:
      // zlib parses it).
      const std::size_t data = gzip_data_offset(bytes, i);
      if (data == 0) continue;
      found.push_back({i, "GZIP", data > bytes.size() ? i : data});
    } else if (b0 == 0x78 && (b1 == 0x01 || b1 == 0x5e || b1 == 0x9c || b1 == 0xda)) {
      found.push_back({i, "ZLIB", i});  // CMF 0x78 (deflate, 32 KiB window) with a valid FCHECK, no dictionary
    } else if (b0 == 'P' && b1 == 'K' && byte_at(bytes, i + 2) == 3 && byte_at(bytes, i + 3) == 4) {
      // Local file header: method at 8, name length at 26, extra length at 28; data follows.
      if (i + 30 > bytes.size() || le16(bytes, i + 8) != 8) continue;  // only deflated members hide text
      std::size_t data_offset = i + 30 + le16(bytes, i + 26) + le16(bytes, i + 28);
      found.push_back({i, "ZIP", data_offset});
    }
  }
  return found;
}

std::vector<std::byte> inflate_stream(const StreamStart& start, const InputReader& read, const DecodeLimits& limits) {
  // Raw deflate where the header was parsed (ZIP, most gzip members); else zlib parses the gzip
  // header (window bits 16 + 15) or the zlib header.
  const int bits = start.data_offset != start.offset ? -15 : start.kind == "GZIP" ? 16 + 15 : 15;
  // One inflate state per thread, reset for each stream: most candidates die within a few bytes,
  // and setting up a state cost more than trying them.
  struct State {
    z_stream z{};
    bool ready = false;
    std::unique_ptr<std::byte[]> input = std::make_unique_for_overwrite<std::byte[]>(64 << 10);
    ~State() {
      if (ready) inflateEnd(&z);
    }
  };
  thread_local State state;
  if (!state.ready) {
    if (inflateInit2(&state.z, -15) != Z_OK) return {};
    state.ready = true;
  }
  z_stream& z = state.z;
  if (inflateReset2(&z, bits) != Z_OK) return {};
  std::vector<std::byte> out;
  // Most candidates fail within their first bytes: read a little first, then in larger pieces.
  std::span<std::byte> input(state.input.get(), 1 << 10);
  std::uint64_t consumed = 0;
  bool done = false;
  while (!done) {
    std::size_t got = read(input, consumed);
    if (got == 0) break;
    z.next_in = reinterpret_cast<Bytef*>(input.data());
    z.avail_in = static_cast<uInt>(got);
    while (z.avail_in > 0) {
      if (out.size() >= limits.max_output) {
        done = true;
        break;
      }
      // Output grows from 1 KiB, doubling: false candidates die within their first bytes.
      std::size_t room = std::min<std::size_t>(std::max<std::size_t>(out.size(), 1 << 10), limits.max_output - out.size());
      out.resize(out.size() + room);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + out.size() - room);
      z.avail_out = static_cast<uInt>(room);
      int status = inflate(&z, Z_NO_FLUSH);
      out.resize(out.size() - z.avail_out);
      if (status == Z_STREAM_END || (status != Z_OK && status != Z_BUF_ERROR)) {
        done = true;  // the end, or corrupt data: keep what decoded so far
        break;
      }
      if (status == Z_BUF_ERROR && z.avail_out != 0) break;  // needs more input
    }
    consumed += got - z.avail_in;
    input = std::span<std::byte>(state.input.get(), 64 << 10);
    if (out.size() > (1u << 20) && out.size() / std::max<std::uint64_t>(consumed, 1) > limits.max_ratio) break;
    if (out.empty() && consumed >= limits.max_input_before_output) break;
  }
  if (out.size() < limits.min_output) return {};
  return out;
}

}  // namespace trawl::detail
