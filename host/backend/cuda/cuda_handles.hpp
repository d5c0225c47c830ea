// RAII owners of CUDA runtime handles, at the boundary where C handles become C++ objects.
// Constructors check with CUDA_TRY (and throw); destructors cannot throw, so they ignore the
// status of the release call: it fails only after a sticky error, when the context is lost anyway.
// Host code; included by .cu files only.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "host/backend/cuda/cuda_check.hpp"

namespace trawl::detail::cuda {

// Device memory from cudaMalloc. reserve() grows it (contents are discarded); it never shrinks,
// so a buffer sized for the largest request is allocated once and then reused.
class DeviceMemory {
 public:
  DeviceMemory() = default;
  explicit DeviceMemory(std::size_t bytes) { reserve(bytes); }
  DeviceMemory(DeviceMemory&& other) noexcept : d_(std::exchange(other.d_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  DeviceMemory& operator=(DeviceMemory&& other) noexcept {
    std::swap(d_, other.d_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~DeviceMemory() { release(); }

  // Precondition: no work still in flight uses the buffer (cudaFree would wait for it anyway,
  // but the new buffer's contents are undefined).
  void reserve(std::size_t bytes) {
    if (bytes <= size_) return;
    release();
    void* p = nullptr;
    CUDA_TRY(cudaMalloc(&p, bytes));
    d_ = static_cast<std::byte*>(p);
    size_ = bytes;
  }
  std::byte* get() const { return d_; }
  std::size_t size() const { return size_; }

 private:
  void release() noexcept {
    if (d_) (void)cudaFree(d_);
    d_ = nullptr;
    size_ = 0;
  }
  std::byte* d_ = nullptr;  // device address; null iff size_ == 0
  std::size_t size_ = 0;
};

// Page-locked host memory from cudaHostAlloc: the DMA engines read and write it directly, so
// cudaMemcpyAsync on it is truly asynchronous (on pageable memory it is staged and blocks).
class PinnedMemory {
 public:
  PinnedMemory() = default;
  explicit PinnedMemory(std::size_t bytes) { reserve(bytes); }
  PinnedMemory(PinnedMemory&& other) noexcept : h_(std::exchange(other.h_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  PinnedMemory& operator=(PinnedMemory&& other) noexcept {
    std::swap(h_, other.h_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~PinnedMemory() { release(); }

  void reserve(std::size_t bytes) {
    if (bytes <= size_) return;
    release();
    void* p = nullptr;
    CUDA_TRY(cudaHostAlloc(&p, bytes, cudaHostAllocDefault));
    h_ = static_cast<std::byte*>(p);
    size_ = bytes;
  }
  std::byte* get() const { return h_; }
  std::size_t size() const { return size_; }

 private:
  void release() noexcept {
    if (h_) (void)cudaFreeHost(h_);
    h_ = nullptr;
    size_ = 0;
  }
  std::byte* h_ = nullptr;  // pinned host address; null iff size_ == 0
  std::size_t size_ = 0;
};

// A non-blocking stream: it never synchronizes with the legacy default stream, so work that
// other code puts there cannot serialize the backend's lanes.
class Stream {
 public:
  Stream() { CUDA_TRY(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { (void)cudaStreamDestroy(stream_); }
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

class Event {
 public:
  // cudaEventBlockingSync: a host thread waiting on the event sleeps instead of spinning, which
  // leaves the CPU cores to the whole-image hash chains. cudaEventDisableTiming where no time is
  // read from it: recording is then cheaper.
  explicit Event(unsigned flags) { CUDA_TRY(cudaEventCreateWithFlags(&event_, flags)); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { (void)cudaEventDestroy(event_); }
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

// The median of `repeats` runs of work(stream), each timed between two events recorded on the
// stream. Warm-up runs, if any, are the caller's.
template <class Work>
float median_milliseconds(cudaStream_t stream, unsigned repeats, Work&& work) {
  Event start(cudaEventDefault), stop(cudaEventBlockingSync);
  std::vector<float> milliseconds;
  for (unsigned i = 0; i < repeats; ++i) {
    CUDA_TRY(cudaEventRecord(start.get(), stream));
    work(stream);
    CUDA_TRY(cudaEventRecord(stop.get(), stream));
    CUDA_TRY(cudaEventSynchronize(stop.get()));
    float ms = 0;
    CUDA_TRY(cudaEventElapsedTime(&ms, start.get(), stop.get()));
    milliseconds.push_back(ms);
  }
  std::nth_element(milliseconds.begin(), milliseconds.begin() + milliseconds.size() / 2, milliseconds.end());
  return milliseconds[milliseconds.size() / 2];
}

}  // namespace trawl::detail::cuda
