// Expert Witness (EWF: .E01, .E02, ...; .Ex01 where libewf reads it) images through libewf.
//
// libewf handles are not thread-safe, and one handle inflates one chunk at a time. An EwfSource
// therefore keeps a small pool of handles on the same segment set: a large read_at (the Reader's
// 16 MiB page) is cut along EWF chunk boundaries into pieces that decode threads read and inflate
// side by side, each with its own handle; a small read (a carver's) borrows one handle.
#pragma once

#include <condition_variable>
#include <deque>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "trawl/trawl.hpp"

namespace trawl::detail {

// True when the path names EWF evidence: an .E01/.Ex01 extension (any case) or the EVF/EVF2
// signature in its first bytes.
bool looks_like_ewf(const std::string& path);

class EwfSource final : public Source {
 public:
  // Opens the set that `first_path` (the .E01) starts. A set with a segment missing in the
  // middle or at the end, or a truncated segment, is refused with ErrorKind::input; damaged chunk
  // data inside complete segments becomes read errors (bad ranges) instead.
  // decode_threads: 0 = a default from the number of cores.
  static std::unique_ptr<EwfSource> open(const std::string& first_path, unsigned decode_threads = 0);
  ~EwfSource() override;

  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override;
  std::optional<std::uint64_t> size() const override { return media_size_; }
  bool random_access() const override { return true; }
  std::string_view kind() const override { return "e01"; }
  std::vector<std::string> paths() const override { return segments_; }
  std::map<std::string, std::string> stored_hashes() const override { return stored_hashes_; }
  std::map<std::string, std::string> acquisition() const override { return acquisition_; }

  std::uint32_t chunk_size() const { return chunk_size_; }
  // Threads that inflate chunks of one large read: the caller and the workers.
  unsigned decode_threads() const { return static_cast<unsigned>(workers_.size()) + 1; }

 private:
  struct Handle;
  class HandleLease;

  EwfSource() = default;
  static std::unique_ptr<Handle> open_handle(const std::vector<std::string>& segments);
  // A handle for this thread: a free one, a newly opened one (up to max_handles_), or, when
  // `wait`, the next one returned. Without `wait` the lease may be empty.
  HandleLease lease(bool wait) const;
  void give_back(Handle* handle) const;
  // Reads [offset, offset + buffer.size()) with one handle; `error` set on a failed libewf read.
  Read read_with(Handle& handle, std::span<std::byte> buffer, std::uint64_t offset) const;
  // Collects the handle's checksum errors (bad chunks) into bad_sectors_.
  void collect_checksum_errors(Handle& handle) const;
  // Where the first recorded bad chunk inside [offset, offset + length) starts, or nullopt.
  std::optional<std::uint64_t> first_bad(std::uint64_t offset, std::uint64_t length) const;
  void worker_loop();
  void submit(std::function<void()> task) const;

  std::vector<std::string> segments_;  // the set's files in order; libewf opens exactly these
  std::uint64_t media_size_ = 0;
  std::uint32_t chunk_size_ = 0;       // bytes of media data per EWF chunk (the unit of inflation)
  std::uint32_t bytes_per_sector_ = 512;
  std::map<std::string, std::string> stored_hashes_;
  std::map<std::string, std::string> acquisition_;

  // Handles: every open handle, and the ones not lent out. At most max_handles_ are opened.
  mutable std::mutex handles_mutex_;
  mutable std::condition_variable handle_returned_;
  mutable std::vector<std::unique_ptr<Handle>> all_handles_;
  mutable std::vector<Handle*> free_handles_;
  mutable std::size_t max_handles_ = 1;

  // Bad chunks seen by any handle, as [first byte, end) of the media, merged by start.
  mutable std::mutex bad_mutex_;
  mutable std::map<std::uint64_t, std::uint64_t> bad_sectors_;

  // The decode pool: workers take tasks (one piece loop of a large read each) from the queue.
  mutable std::mutex queue_mutex_;
  mutable std::condition_variable queue_changed_;
  mutable std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace trawl::detail
