// Finding where a raw deflate stream really ends (GZIP members, ZIP entries): the only way to
// know is to inflate it. The output is checksummed and dropped, never stored.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

struct z_stream_s;

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

// How many input bytes from pos zlib's streaming inflate consumed before it stopped: at an error,
// at the stream's end, at a long run of zeros (see inflate_raw), or after max_in bytes. Where a
// damaged stream (a file in fragments) goes wrong. Throws EndOfView like inflate_raw.
std::uint64_t inflate_stop_at(const ByteView& view, std::uint64_t pos, std::uint64_t max_in);

// Raw inflate as a value that can be copied (inflateCopy): a checkpoint from which several
// continuations of a stream are tried. The output is dropped; its CRC-32 and length are kept.
class InflateState {
 public:
  enum Result { more, end, error };
  InflateState();
  InflateState(const InflateState& other);
  InflateState& operator=(const InflateState&) = delete;
  ~InflateState();
  // Feeds input; `end`: the stream's final block ended (the rest of `in` is not used).
  Result feed(std::span<const std::byte> in);
  std::uint64_t total_in() const;   // input bytes used, over all feeds (and those of the copied state)
  std::uint64_t produced() const { return produced_; }
  std::uint32_t crc() const { return crc_; }  // CRC-32 of the output so far (while it is kept)
  // Stops keeping the CRC (a trial whose end is checked otherwise): its crc() is meaningless.
  void drop_crc() { keep_crc_ = false; }

 private:
  std::unique_ptr<z_stream_s> z_;
  bool ready_ = false;
  std::uint64_t produced_ = 0;
  std::uint32_t crc_ = 0;
  bool keep_crc_ = true;
};

}  // namespace trawl::carvers
