// libFuzzer target: the decoders of compressed content (host/decoders/inflate.cpp). Every stream
// find_streams reports in the input is inflated within small limits, and the streams inside the
// decoded bytes once more (depth 2, as the identifier stage does). A finding is a crash, a
// sanitizer report, a hang, a stream outside the input, or output over the limit.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "host/decoders/inflate.hpp"

namespace {

using trawl::detail::DecodeLimits;

std::size_t read_from(std::span<const std::byte> bytes, std::size_t data_offset, std::span<std::byte> into,
                      std::uint64_t offset) {
  const std::uint64_t at = data_offset + offset;
  if (at >= bytes.size()) return 0;
  const std::size_t n = std::min<std::size_t>(into.size(), bytes.size() - at);
  std::memcpy(into.data(), bytes.data() + at, n);
  return n;
}

void decode(std::span<const std::byte> bytes, const DecodeLimits& limits, unsigned depth) {
  for (const auto& stream : trawl::detail::find_streams(bytes, 0, bytes.size())) {
    // (data_offset may lie past the bytes: a ZIP header's name and extra can reach past a chunk,
    // and the reader then fetches the data from the source.)
    if (stream.offset >= bytes.size() || stream.data_offset < stream.offset) std::abort();
    auto read = [&](std::span<std::byte> into, std::uint64_t offset) { return read_from(bytes, stream.data_offset, into, offset); };
    const auto decoded = trawl::detail::inflate_stream(stream, read, limits);
    if (decoded.size() > limits.max_output) std::abort();
    if (!decoded.empty() && decoded.size() < limits.min_output) std::abort();
    if (depth + 1 < limits.max_depth) decode(decoded, limits, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  DecodeLimits limits;
  limits.max_output = 1u << 20;  // small, so that the fuzzer runs many inputs a second
  decode({reinterpret_cast<const std::byte*>(data), size}, limits, 0);
  return 0;
}
