// A stage consumes chunks: a module (host/modules/module.hpp) makes one or more for a scan. The
// engine hands every chunk to every stage; a chunk's buffer goes back to the ring once all stages
// are done with it, so a slow stage slows the reader instead of growing memory.
#pragma once

#include <atomic>
#include <exception>
#include <mutex>
#include <string>

#include "host/reader/chunk.hpp"

namespace trawl::detail {

class ChunkStage {
 public:
  virtual ~ChunkStage() = default;
  virtual std::string name() const = 0;
  // 1: chunks arrive in image order on one thread. More: any order, concurrently.
  virtual unsigned workers() const { return 1; }
  // Added to the worker threads' nice value. Stages off the critical path (every chain but the
  // slowest whole-image hash) yield to it, so the pass takes as long as that one chain.
  virtual int nice() const { return 0; }
  // True when consume() runs kernels on the backend: the engine then has each chunk uploaded
  // once (Chunk::device) before any stage sees it.
  virtual bool uses_device() const { return false; }
  virtual void consume(const Chunk& chunk) = 0;
};

// The first failure of any thread of a run; later ones are dropped.
class Failure {
 public:
  void set(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = std::move(error);
    failed_.store(true);
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
  std::atomic<bool> failed_{false};
};

}  // namespace trawl::detail
