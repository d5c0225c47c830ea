// The CUDA backend: block digests of a page computed on the GPU by the same BlockHashItem
// functors that the host tests run under emulated_launch (kernels/launch.hpp).
//
// Lanes. The backend owns a fixed set of lanes; a lane is one stream plus every buffer one
// hash_blocks() call needs (device page, device digests, pinned digests). A call holds one lane
// from its first copy to its last memcpy, so workers() == number of lanes: more callers would only
// wait. Lanes use different streams, so while one caller's page crosses PCIe (the copy engine),
// another caller's kernels run (the SMs) and a third waits for its digests or writes them out
// (the host). The chunk pages come from allocate_host(), pinned, so the copies are real DMA and
// asynchronous; a pageable page still works, only slower (the driver stages it).
//
// Buffers grow to the largest request a lane has seen and are then reused: in a scan every page
// but the last has the same size, so each lane allocates once, on its first call.
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/backend/backend.hpp"
#include "host/backend/block_hashers.hpp"
#include "host/backend/cuda/cuda_backend.hpp"
#include "host/backend/cuda/cuda_check.hpp"
#include "host/backend/cuda/cuda_handles.hpp"
#include "kernels/block_hash.hpp"
#include "kernels/identifier_prefilter.hpp"
#include "kernels/known_block_lookup.hpp"
#include "kernels/signature_search.hpp"
#include "kernels/launch.hpp"

#ifndef TRAWL_CUDA_MIN_ARCH
#define TRAWL_CUDA_MIN_ARCH 0  // unknown ("native", "all"): rely on the kernel-image probe alone
#endif
#ifndef TRAWL_CUDA_ARCHITECTURES
#define TRAWL_CUDA_ARCHITECTURES "?"
#endif

namespace trawl::detail {
namespace {

// Four lanes: the copy engine, the SMs and the host side of a call can each be busy with a
// different chunk, with one lane spare so that a slow host-side step (a block-file write) does
// not leave the GPU idle. Each lane costs a page of device memory (17 MiB at the defaults).
constexpr unsigned kLanes = 4;

// 128 threads = 4 warps per block, one per SM sub-partition scheduler. One thread hashes one
// whole block (a hash chain cannot be split), so a 16 MiB page at 4 KiB blocks is only 4096
// threads: the grid is sized to cover the items, capped at one full wave of the device, and the
// grid-stride loop takes whatever is left (pages of 512-byte blocks).
constexpr unsigned kThreadsPerBlock = 128;

using cuda::DeviceMemory;
using cuda::Event;
using cuda::PinnedMemory;
using cuda::Stream;

template <class Hasher>
void launch_block_hash(const unsigned char* d_page, std::uint64_t page_len, std::uint32_t block_size,
                       unsigned char* d_digests, unsigned max_grid, cudaStream_t stream) {
  const kernels::BlockHashItem<Hasher> item{d_page, page_len, block_size, d_digests};
  const std::uint64_t items = item.count();
  const auto grid = static_cast<unsigned>(
      std::min<std::uint64_t>((items + kThreadsPerBlock - 1) / kThreadsPerBlock, max_grid));
  CUDA_TRY(kernels::launch_on(stream, items, item, grid, kThreadsPerBlock));
}

struct Lane {
  Stream stream;
  // Recorded after the last copy of a call; the caller sleeps on it (blocking sync, see Event).
  Event done{cudaEventBlockingSync | cudaEventDisableTiming};
  DeviceMemory d_page;      // >= the largest page this lane has copied
  DeviceMemory d_digests;   // >= the most digest bytes this lane has produced in one call
  PinnedMemory h_digests;   // same size as d_digests: the D2H copy lands here
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(int device, const cudaDeviceProp& properties) : device_(device) {
    CUDA_TRY(cudaSetDevice(device_));
    max_grid_ = static_cast<unsigned>(std::max(1, properties.multiProcessorCount) *
                                      std::max(1, properties.maxThreadsPerMultiProcessor / int{kThreadsPerBlock}));
    for (unsigned i = 0; i < kLanes; ++i) {
      lanes_.push_back(std::make_unique<Lane>());
      free_.push_back(lanes_.back().get());
    }
  }

  std::string_view name() const override { return "cuda"; }
  unsigned workers() const override { return static_cast<unsigned>(lanes_.size()); }

  // Pinned chunk buffers: the reader fills them, the lanes DMA straight from them.
  HostBuffer allocate_host(std::size_t size) override {
    CUDA_TRY(cudaSetDevice(device_));
    void* h_buffer = nullptr;
    CUDA_TRY(cudaHostAlloc(&h_buffer, std::max<std::size_t>(size, 1), cudaHostAllocDefault));
    return HostBuffer(static_cast<std::byte*>(h_buffer), [](std::byte* h) { (void)cudaFreeHost(h); });
  }

  void hash_blocks(std::span<const std::byte> page, std::uint32_t block_size,
                   std::span<const BlockDigestRequest> requests) override {
    if (block_size == 0) throw Error(ExitCode::internal, "hash_blocks: block size 0");
    const std::uint64_t blocks = kernels::BlockHashItem<kernels::Md5>::block_count(page.size(), block_size);
    // Each request's digests sit back to back in the lane's digest buffers, in request order, so
    // one D2H copy brings all of them.
    std::vector<std::size_t> offsets, sizes;
    std::size_t digest_bytes = 0;
    for (const auto& request : requests) {
      // Checked before a lane is taken, so that a bad request never leaves work enqueued.
      if (!info(request.algorithm).block)
        throw Error(ExitCode::internal, "hash_blocks: no block-hash kernel for " + std::string(info(request.algorithm).name));
      const std::size_t bytes = blocks * info(request.algorithm).digest_size;
      if (request.out.size() < bytes)
        throw Error(ExitCode::internal, "hash_blocks: the " + std::string(info(request.algorithm).name) + " output holds " +
                                            std::to_string(request.out.size()) + " bytes, " + std::to_string(bytes) + " needed");
      offsets.push_back(digest_bytes);
      sizes.push_back(bytes);
      digest_bytes += bytes;
    }
    if (digest_bytes == 0) return;  // an empty page, or nothing asked: no block to digest

    // The current device is per host thread; worker threads start on device 0.
    CUDA_TRY(cudaSetDevice(device_));
    LaneLease lease(*this);
    Lane& lane = lease.lane();
    // Safe to (re)allocate: the lane's previous call waited for all its work before letting go.
    lane.d_page.reserve(page.size());
    lane.d_digests.reserve(digest_bytes);
    lane.h_digests.reserve(digest_bytes);
    const cudaStream_t stream = lane.stream.get();
    const auto* d_page = reinterpret_cast<const unsigned char*>(lane.d_page.get());
    auto* d_digests = reinterpret_cast<unsigned char*>(lane.d_digests.get());
    run_on_lane(lane, [&] {
      // One H2D copy per page, however many algorithms: PCIe is the bound, not the kernels.
      CUDA_TRY(cudaMemcpyAsync(lane.d_page.get(), page.data(), page.size(), cudaMemcpyHostToDevice, stream));
      for (std::size_t i = 0; i < requests.size(); ++i)
        visit_block_hasher(requests[i].algorithm, [&]<class Hasher>(std::type_identity<Hasher>) {
          launch_block_hash<Hasher>(d_page, page.size(), block_size, d_digests + offsets[i], max_grid_, stream);
        });
      CUDA_TRY(cudaMemcpyAsync(lane.h_digests.get(), lane.d_digests.get(), digest_bytes, cudaMemcpyDeviceToHost, stream));
    });
    for (std::size_t i = 0; i < requests.size(); ++i)
      std::memcpy(requests[i].out.data(), lane.h_digests.get() + offsets[i], sizes[i]);
  }

  bool prefilter_identifiers(std::span<const std::byte> data, std::uint32_t window,
                             std::span<std::uint8_t> marks) override {
    const kernels::IdentifierPrefilterItem probe{nullptr, data.size(), window, nullptr};
    if (window == 0 || marks.size() < probe.count())
      throw Error(ExitCode::internal, "prefilter_identifiers: " + std::to_string(marks.size()) + " marks for " +
                                          std::to_string(probe.count()) + " windows");
    if (data.empty()) return true;
    CUDA_TRY(cudaSetDevice(device_));
    LaneLease lease(*this);
    Lane& lane = lease.lane();
    lane.d_page.reserve(data.size());
    lane.d_digests.reserve(probe.count());
    lane.h_digests.reserve(probe.count());
    const cudaStream_t stream = lane.stream.get();
    const kernels::IdentifierPrefilterItem item{reinterpret_cast<const unsigned char*>(lane.d_page.get()), data.size(), window,
                                                reinterpret_cast<std::uint8_t*>(lane.d_digests.get())};
    run_on_lane(lane, [&] {
      CUDA_TRY(cudaMemcpyAsync(lane.d_page.get(), data.data(), data.size(), cudaMemcpyHostToDevice, stream));
      const auto grid = static_cast<unsigned>(std::min<std::uint64_t>((item.count() + kThreadsPerBlock - 1) / kThreadsPerBlock, max_grid_));
      CUDA_TRY(kernels::launch_on(stream, item.count(), item, grid, kThreadsPerBlock));
      CUDA_TRY(cudaMemcpyAsync(lane.h_digests.get(), lane.d_digests.get(), item.count(), cudaMemcpyDeviceToHost, stream));
    });
    std::memcpy(marks.data(), lane.h_digests.get(), item.count());
    return true;
  }

  // Signature search on the GPU: kernels::SignatureStripeItem marks candidate starts in 64-bit
  // words, and SignatureSet::hits_from_stripes turns them into the same hits the CPU reports.
  std::vector<SignatureHit> find_signatures(const SignatureSet& set, const SignatureQuery& query) override {
    const kernels::SignatureStripeItem probe{set.table(), nullptr, query.data.size(), query.page_len, query.offset,
                                             std::max<std::uint32_t>(query.align, 1), nullptr};
    const std::uint64_t words = probe.count();
    if (words == 0 || set.table().count == 0) return {};
    CUDA_TRY(cudaSetDevice(device_));
    LaneLease lease(*this);
    Lane& lane = lease.lane();
    lane.d_page.reserve(query.data.size());
    lane.d_digests.reserve(words * sizeof(std::uint64_t));
    lane.h_digests.reserve(words * sizeof(std::uint64_t));
    const cudaStream_t stream = lane.stream.get();
    kernels::SignatureStripeItem item = probe;
    item.data = reinterpret_cast<const unsigned char*>(lane.d_page.get());
    item.out = reinterpret_cast<std::uint64_t*>(lane.d_digests.get());
    run_on_lane(lane, [&] {
      CUDA_TRY(cudaMemcpyAsync(lane.d_page.get(), query.data.data(), query.data.size(), cudaMemcpyHostToDevice, stream));
      const auto grid = static_cast<unsigned>(std::min<std::uint64_t>((words + kThreadsPerBlock - 1) / kThreadsPerBlock, max_grid_));
      CUDA_TRY(kernels::launch_on(stream, words, item, grid, kThreadsPerBlock));
      CUDA_TRY(cudaMemcpyAsync(lane.h_digests.get(), lane.d_digests.get(), words * sizeof(std::uint64_t), cudaMemcpyDeviceToHost, stream));
    });
    std::vector<std::uint64_t> marks(words);
    std::memcpy(marks.data(), lane.h_digests.get(), words * sizeof(std::uint64_t));
    return set.hits_from_stripes(query, marks);
  }

  // Known-block lookup on the GPU: kernels::KnownBlockLookupItem hashes the block at every
  // candidate offset and binary-searches the database's sorted digests, which are uploaded once
  // per table and stay on the device for the backend's lifetime.
  void lookup_known_blocks(const KnownBlockTable& table, std::span<const std::byte> data, std::size_t page_len,
                           std::uint32_t step, std::span<std::uint32_t> out) override {
    const std::uint32_t digest_size = info(table.algorithm).digest_size;
    if (step == 0 || page_len > data.size() || out.size() < (page_len + step - 1) / step || table.digests.size() % digest_size != 0)
      throw Error(ExitCode::internal, "lookup_known_blocks: bad arguments");
    const std::uint64_t items = (page_len + step - 1) / step;
    if (items == 0) return;
    if (table.digests.empty()) {
      std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(items), known_no_match);
      return;
    }
    CUDA_TRY(cudaSetDevice(device_));
    const auto* d_table = reinterpret_cast<const unsigned char*>(device_table(table.digests));
    LaneLease lease(*this);
    Lane& lane = lease.lane();
    const std::size_t out_bytes = items * sizeof(std::uint32_t);
    lane.d_page.reserve(data.size());
    lane.d_digests.reserve(out_bytes);
    lane.h_digests.reserve(out_bytes);
    const cudaStream_t stream = lane.stream.get();
    visit_block_hasher(table.algorithm, [&]<class Hasher>(std::type_identity<Hasher>) {
      const kernels::KnownBlockLookupItem<Hasher> item{reinterpret_cast<const unsigned char*>(lane.d_page.get()),
                                                       data.size(),
                                                       page_len,
                                                       step,
                                                       table.block_size,
                                                       d_table,
                                                       table.digests.size() / Hasher::digest_size,
                                                       reinterpret_cast<std::uint32_t*>(lane.d_digests.get())};
      run_on_lane(lane, [&] {
        CUDA_TRY(cudaMemcpyAsync(lane.d_page.get(), data.data(), data.size(), cudaMemcpyHostToDevice, stream));
        const auto grid = static_cast<unsigned>(std::min<std::uint64_t>((items + kThreadsPerBlock - 1) / kThreadsPerBlock, max_grid_));
        CUDA_TRY(kernels::launch_on(stream, items, item, grid, kThreadsPerBlock));
        CUDA_TRY(cudaMemcpyAsync(lane.h_digests.get(), lane.d_digests.get(), out_bytes, cudaMemcpyDeviceToHost, stream));
      });
    });
    std::memcpy(out.data(), lane.h_digests.get(), out_bytes);
  }

 private:
  // The device copy of a known-block digest table, uploaded on first use. Tables are kept until
  // the backend goes: a lane may still be searching one while another call asks for a new one.
  const std::byte* device_table(std::span<const std::byte> digests) {
    std::lock_guard lock(tables_mutex_);
    for (const auto& [key, memory] : tables_)
      if (key.first == digests.data() && key.second == digests.size()) return memory->get();
    auto memory = std::make_unique<DeviceMemory>(digests.size());
    CUDA_TRY(cudaMemcpy(memory->get(), digests.data(), digests.size(), cudaMemcpyHostToDevice));
    tables_.emplace_back(std::make_pair(digests.data(), digests.size()), std::move(memory));
    return tables_.back().second->get();
  }

  // Enqueues a call's copies and kernels on the lane's stream and waits for them. On any error
  // it waits until nothing enqueued can still read the caller's buffer (the caller recycles it
  // as soon as we return) and leaves the lane idle for the next call.
  template <class Enqueue>
  static void run_on_lane(Lane& lane, Enqueue&& enqueue) {
    const cudaStream_t stream = lane.stream.get();
    try {
      enqueue();
      CUDA_TRY(cudaEventRecord(lane.done.get(), stream));
      // Kernel faults surface here, as the error of the first synchronizing call.
      CUDA_TRY(cudaEventSynchronize(lane.done.get()));
    } catch (...) {
      (void)cudaStreamSynchronize(stream);
      (void)cudaGetLastError();
      throw;
    }
  }

  // Holds one lane for the lifetime of a call; blocks while all lanes are taken.
  class LaneLease {
   public:
    explicit LaneLease(CudaBackend& backend) : backend_(backend) {
      std::unique_lock lock(backend_.mutex_);
      backend_.lane_free_.wait(lock, [&] { return !backend_.free_.empty(); });
      lane_ = backend_.free_.back();
      backend_.free_.pop_back();
    }
    LaneLease(const LaneLease&) = delete;
    LaneLease& operator=(const LaneLease&) = delete;
    ~LaneLease() {
      {
        std::lock_guard lock(backend_.mutex_);
        backend_.free_.push_back(lane_);
      }
      backend_.lane_free_.notify_one();
    }
    Lane& lane() const { return *lane_; }

   private:
    CudaBackend& backend_;
    Lane* lane_;
  };

  int device_;
  unsigned max_grid_ = 1;                    // blocks in one full wave of the device
  std::vector<std::unique_ptr<Lane>> lanes_; // fixed after construction; Lane addresses are stable
  std::mutex mutex_;
  std::condition_variable lane_free_;
  std::vector<Lane*> free_;  // guarded by mutex_: lanes no call holds
  std::mutex tables_mutex_;
  // Known-block digest tables on the device, by host address and size; guarded by tables_mutex_.
  std::vector<std::pair<std::pair<const std::byte*, std::size_t>, std::unique_ptr<DeviceMemory>>> tables_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(std::string& why) {
  const auto unusable = [&](const std::string& reason) -> std::unique_ptr<Backend> {
    (void)cudaGetLastError();  // leave no stale error behind for a later launch to report
    why = "no usable CUDA device (" + reason + ")";
    return nullptr;
  };
  int count = 0;
  if (const cudaError_t status = cudaGetDeviceCount(&count); status != cudaSuccess)
    return unusable(cudaGetErrorString(status));
  if (count == 0) return unusable("the CUDA runtime found no device");

  // Device 0 of those the process may see; CUDA_VISIBLE_DEVICES chooses another.
  const int device = 0;
  cudaDeviceProp properties{};
  if (const cudaError_t status = cudaGetDeviceProperties(&properties, device); status != cudaSuccess)
    return unusable(std::string("cannot query device 0: ") + cudaGetErrorString(status));
  const int arch = properties.major * 10 + properties.minor;
  const std::string device_text = "'" + std::string(properties.name) + "' has compute capability " +
                                  std::to_string(properties.major) + "." + std::to_string(properties.minor);
  const std::string rebuild = "rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(arch);
  if (TRAWL_CUDA_MIN_ARCH > 0 && arch < TRAWL_CUDA_MIN_ARCH)
    return unusable(device_text + ", older than this build's CUDA architectures " TRAWL_CUDA_ARCHITECTURES "; " + rebuild);
  // The authoritative test: does this binary hold code the device can run (SASS for it, or PTX
  // the driver can compile)? Without it the first launch would fail in the middle of a scan.
  if (const cudaError_t status = cudaSetDevice(device); status != cudaSuccess)
    return unusable(std::string("cannot use device 0: ") + cudaGetErrorString(status));
  cudaFuncAttributes attributes{};
  if (const cudaError_t status =
          cudaFuncGetAttributes(&attributes, kernels::grid_stride_kernel<kernels::BlockHashItem<kernels::Sha256>>);
      status != cudaSuccess)
    return unusable(device_text + ": " + cudaGetErrorString(status) + " (built for CUDA architectures " TRAWL_CUDA_ARCHITECTURES "; " +
                    rebuild + ")");
  try {
    return std::make_unique<CudaBackend>(device, properties);
  } catch (const Error& e) {
    return unusable(e.what());
  }
}

}  // namespace trawl::detail
