// Finding where a raw deflate stream really ends (GZIP members, ZIP entries): the only way to
// know is to inflate it. The output is checksummed and dropped, never stored.
#pragma once

#include <cstdint>
#include <optional>

#include "carvers/byte_view.hpp"

namespace trawl::carvers {

struct Inflated {
  std::uint64_t consumed = 0;  // compressed bytes up to and including the final block
  std::uint64_t produced = 0;  // uncompressed bytes
  std::uint32_t crc = 0;       // CRC-32 of the uncompressed bytes
};

// Inflates the raw deflate stream at view position pos, reading at most max_in bytes and producing
// at most max_out. nullopt: not valid deflate data, or more than max_in/max_out would be needed.
// Throws EndOfView when the view ends before the stream does.
std::optional<Inflated> inflate_raw(const ByteView& view, std::uint64_t pos, std::uint64_t max_in, std::uint64_t max_out);

}  // namespace trawl::carvers
