// In-memory sources for tests: random access, or a stream that insists on sequential reads.
#pragma once

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "trawl/trawl.hpp"

namespace trawl::test {

class MemorySource : public Source {
 public:
  explicit MemorySource(std::vector<std::byte> bytes, bool stream = false)
      : bytes_(std::move(bytes)), stream_(stream) {}
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override {
    if (stream_) {
      std::lock_guard lock(mutex_);
      if (offset != position_) throw std::logic_error("stream read out of order");
    }
    Read r;
    if (offset < bytes_.size()) {
      r.bytes = std::min<std::size_t>(buffer.size(), bytes_.size() - offset);
      std::memcpy(buffer.data(), bytes_.data() + offset, r.bytes);
    }
    if (stream_) position_ += r.bytes;
    return r;
  }
  std::optional<std::uint64_t> size() const override {
    if (stream_) return std::nullopt;
    return bytes_.size();
  }
  bool random_access() const override { return !stream_; }
  std::string_view kind() const override { return stream_ ? "stdin" : "raw"; }
  std::vector<std::string> paths() const override { return {"memory"}; }
  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
  bool stream_;
  mutable std::mutex mutex_;
  mutable std::uint64_t position_ = 0;
};

}  // namespace trawl::test
