// Runs one chunk stage on its own worker threads, fed through an unbounded queue (the ring bounds it).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "host/modules/stage.hpp"

namespace trawl::detail {

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
