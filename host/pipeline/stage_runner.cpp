#include "host/pipeline/stage_runner.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

namespace trawl::detail {

StageRunner::StageRunner(ChunkStage& stage, Failure& failure) : stage_(stage), failure_(failure) {
  for (unsigned i = 0; i < std::max(1u, stage.workers()); ++i) threads_.emplace_back([this] { work(); });
}

StageRunner::~StageRunner() { close_and_join(); }

void StageRunner::push(ChunkPtr chunk) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(chunk));
  }
  ready_.notify_one();
}

void StageRunner::close_and_join() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void StageRunner::work() {
  using clock = std::chrono::steady_clock;
  // Lowering a thread's own priority needs no privilege; failure only costs speed.
  if (int nice = stage_.nice())
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), ::getpriority(PRIO_PROCESS, 0) + nice);
  for (;;) {
    ChunkPtr chunk;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return;
      chunk = std::move(queue_.front());
      queue_.pop_front();
    }
    // After a failure anywhere, chunks are only drained so that the reader is not left waiting.
    if (failure_.failed()) continue;
    auto started = clock::now();
    try {
      stage_.consume(*chunk);
    } catch (...) {
      failure_.set(std::current_exception());
    }
    double seconds = std::chrono::duration<double>(clock::now() - started).count();
    std::lock_guard lock(mutex_);
    busy_seconds_ += seconds;
  }
}

}  // namespace trawl::detail
