// Decoders for compressed content that may hide identifiers: gzip members, zlib streams and
// deflated ZIP members. Each is bounded in output size and in the ratio of output to input, so
// that a decompression bomb cannot exhaust memory; nesting is bounded by the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace trawl::detail {

struct DecodeLimits {
  std::size_t max_output = 16u << 20;  // bytes of decoded data per stream
  std::size_t max_ratio = 1000;        // decoded / compressed, once past 1 MiB
  std::size_t min_output = 32;         // shorter results are noise (random bytes that inflate a little)
  unsigned max_depth = 2;              // streams inside decoded streams
  // Input read before the first decoded byte: a candidate that yields nothing in this much (a
  // gzip header whose name never ends) is not a stream; real names and extra fields are shorter.
  // Without it every "1F 8B 08" read on to the image's end: quadratic in the image.
  std::size_t max_input_before_output = 4u << 10;
};

// A stream found in a buffer.
struct StreamStart {
  std::size_t offset;     // in the buffer
  std::string kind;       // "GZIP", "ZLIB" or "ZIP"
  std::size_t data_offset;  // where the deflate data (or the gzip/zlib header) starts, in the buffer
};

// Streams whose first byte lies in [begin, end) of `bytes`, in offset order. `bytes` must hold
// the stream headers (a ZIP local header is 30 bytes + name + extra).
std::vector<StreamStart> find_streams(std::span<const std::byte> bytes, std::size_t begin, std::size_t end);

// Reads compressed input: fills `buffer` from `offset` (relative to the stream's data start);
// returns bytes read, 0 at the end.
using InputReader = std::function<std::size_t(std::span<std::byte> buffer, std::uint64_t offset)>;

// Inflates one stream; returns the decoded bytes (possibly a prefix when the stream is cut or
// corrupt), empty when it decodes to less than min_output.
std::vector<std::byte> inflate_stream(const StreamStart& start, const InputReader& read, const DecodeLimits& limits);

}  // namespace trawl::detail
