// A stage consumes chunks: the image hashers, the backend's block hashing, later the scanners.
// The engine hands every chunk to every stage; a chunk's buffer goes back to the ring once all
// stages are done with it, so a slow stage slows the reader instead of growing memory.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

// Runs one stage on its own worker threads, fed through an unbounded queue (the ring bounds it).
class StageRunner {
 public:
  StageRunner(ChunkStage& stage, Failure& failure);
  StageRunner(const StageRunner&) = delete;
  StageRunner& operator=(const StageRunner&) = delete;
  ~StageRunner();
  void push(ChunkPtr chunk);
  // No more chunks: waits until the workers have consumed everything and exited.
  void close_and_join();
  double busy_seconds() const { return busy_seconds_; }
  const ChunkStage& stage() const { return stage_; }

 private:
  void work();
  ChunkStage& stage_;
  Failure& failure_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<ChunkPtr> queue_;  // guarded by mutex_
  bool closed_ = false;         // guarded by mutex_
  double busy_seconds_ = 0;     // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace trawl::detail
