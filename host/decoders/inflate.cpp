#include "host/decoders/inflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace trawl::detail {
namespace {

unsigned byte_at(std::span<const std::byte> b, std::size_t i) { return i < b.size() ? static_cast<unsigned>(b[i]) : 0x100; }

std::uint32_t le16(std::span<const std::byte> b, std::size_t i) { return byte_at(b, i) | (byte_at(b, i + 1) << 8); }

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
    if (b0 == 0x1f && b1 == 0x8b && byte_at(bytes, i + 2) == 8 && byte_at(bytes, i + 3) < 0x20) {
      found.push_back({i, "GZIP", i});
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
  z_stream z{};
  // gzip: zlib parses the header itself (window bits 16 + 15); ZLIB: zlib header; ZIP: raw deflate.
  int bits = start.kind == "GZIP" ? 16 + 15 : start.kind == "ZLIB" ? 15 : -15;
  if (inflateInit2(&z, bits) != Z_OK) return {};
  std::vector<std::byte> out;
  // Most candidates (two bytes that look like a zlib header) fail within the first few bytes:
  // read a little first, then in larger pieces.
  std::vector<std::byte> input(4 << 10);
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
      // Output grows from 4 KiB, doubling: false candidates die within their first bytes.
      std::size_t room = std::min<std::size_t>(std::max<std::size_t>(out.size(), 4 << 10), limits.max_output - out.size());
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
    if (input.size() < (64u << 10)) input.resize(64 << 10);
    if (out.size() > (1u << 20) && out.size() / std::max<std::uint64_t>(consumed, 1) > limits.max_ratio) break;
    if (out.empty() && consumed >= limits.max_input_before_output) break;
  }
  inflateEnd(&z);
  if (out.size() < limits.min_output) return {};
  return out;
}

}  // namespace trawl::detail
