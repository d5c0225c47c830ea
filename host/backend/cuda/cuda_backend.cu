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
#include <array>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "host/backend/backend.hpp"
#include "host/backend/block_hashers.hpp"
#include "host/backend/cuda/cuda_backend.hpp"
#include "host/backend/cuda/cuda_check.hpp"
#include "host/backend/cuda/cuda_handles.hpp"
#include "host/backend/device_info.hpp"
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

// 128 threads = 4 warps per block, one per SM sub-partition scheduler, when there are items
// enough to give every SM such blocks. One thread hashes one whole block (a hash chain cannot be
// split), so a 16 MiB page at 4 KiB blocks is only 4096 threads: in blocks of 128 that would be
// 32 of an H200's 132 SMs, the rest idle (measured 2026-12-04: ~53 GB/s per block algorithm, no
// faster than the copy). Fewer items are spread over every SM in smaller blocks, down to one warp.
// Many items: the grid is capped at one full wave of the device and the grid-stride loop takes
// whatever is left.
constexpr unsigned kThreadsPerBlock = 128;

using cuda::DeviceMemory;
using cuda::Event;
using cuda::PinnedMemory;
using cuda::Stream;

struct DeviceShape {
  unsigned sms = 1;       // multiprocessors
  unsigned max_grid = 1;  // blocks of kThreadsPerBlock in one full wave of the device

  explicit DeviceShape(const cudaDeviceProp& properties)
      : sms(static_cast<unsigned>(std::max(1, properties.multiProcessorCount))),
        max_grid(sms * static_cast<unsigned>(std::max(1, properties.maxThreadsPerMultiProcessor / int{kThreadsPerBlock}))) {}

  // Launches item over [0, items) on the stream with the grid described above.
  template <class Item>
  void launch(cudaStream_t stream, std::uint64_t items, const Item& item) const {
    if (items == 0) return;
    unsigned threads = kThreadsPerBlock, blocks = 0;
    if (items < std::uint64_t{sms} * kThreadsPerBlock) {
      const std::uint64_t per_sm = (items + sms - 1) / sms;
      threads = static_cast<unsigned>(std::max<std::uint64_t>(32, (per_sm + 31) / 32 * 32));
      blocks = static_cast<unsigned>((items + threads - 1) / threads);
    } else {
      blocks = static_cast<unsigned>(std::min<std::uint64_t>((items + kThreadsPerBlock - 1) / kThreadsPerBlock, max_grid));
    }
    CUDA_TRY(kernels::launch_on(stream, items, item, blocks, threads));
  }
};

template <class Hasher>
void launch_block_hash(const DeviceShape& shape, const unsigned char* d_page, std::uint64_t page_len, std::uint32_t block_size,
                       unsigned char* d_digests, cudaStream_t stream) {
  const kernels::BlockHashItem<Hasher> item{d_page, page_len, block_size, d_digests};
  shape.launch(stream, item.count(), item);
}

// A chunk on the device (Backend::upload): one H2D copy, made on the upload stream, that every
// call on the chunk reads after waiting for `ready` on its own lane's stream. The buffer goes
// back to the backend's pool when the chunk is done with (every call on it has finished by then).
class CudaCopy final : public DeviceCopy {
 public:
  CudaCopy(std::span<const std::byte> host, std::unique_ptr<DeviceMemory> memory,
           std::function<void(std::unique_ptr<DeviceMemory>)> give_back)
      : DeviceCopy(host), memory_(std::move(memory)), give_back_(std::move(give_back)) {}
  ~CudaCopy() override {
    (void)cudaEventSynchronize(ready_.get());  // a copy nobody read may still be in flight
    give_back_(std::move(memory_));
  }
  cudaEvent_t ready() const { return ready_.get(); }
  std::byte* memory() const { return memory_->get(); }
  // The device address of `span`, when it lies in the uploaded chunk; else null.
  const unsigned char* find(std::span<const std::byte> span) const {
    const auto at = offset_of(span);
    return at ? reinterpret_cast<const unsigned char*>(memory_->get() + *at) : nullptr;
  }

 private:
  std::unique_ptr<DeviceMemory> memory_;
  std::function<void(std::unique_ptr<DeviceMemory>)> give_back_;
  Event ready_{cudaEventDisableTiming};
};

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
  CudaBackend(int device, const cudaDeviceProp& properties) : device_(device), shape_(properties) {
    CUDA_TRY(cudaSetDevice(device_));
    for (unsigned i = 0; i < kLanes; ++i) {
      lanes_.push_back(std::make_unique<Lane>());
      free_.push_back(lanes_.back().get());
    }
  }

  BackendKind kind() const override { return BackendKind::cuda; }
  unsigned workers() const override { return static_cast<unsigned>(lanes_.size()); }

  // Pinned chunk buffers: the reader fills them, the lanes DMA straight from them.
  HostBuffer allocate_host(std::size_t size) override {
    CUDA_TRY(cudaSetDevice(device_));
    void* h_buffer = nullptr;
    CUDA_TRY(cudaHostAlloc(&h_buffer, std::max<std::size_t>(size, 1), cudaHostAllocDefault));
    return HostBuffer(static_cast<std::byte*>(h_buffer), [](std::byte* h) { (void)cudaFreeHost(h); });
  }

  // One H2D copy per chunk, whatever the stages: into a pooled device buffer, on the upload
  // stream (the reader's thread calls this, in chunk order); the lanes wait for it on the GPU.
  std::shared_ptr<const DeviceCopy> upload(const Chunk& chunk) override {
    const auto bytes = chunk.with_lookbehind();
    CUDA_TRY(cudaSetDevice(device_));
    std::unique_ptr<DeviceMemory> memory;
    {
      std::lock_guard lock(mutex_);
      if (!copy_pool_.empty()) {
        memory = std::move(copy_pool_.back());
        copy_pool_.pop_back();
      }
    }
    if (!memory) memory = std::make_unique<DeviceMemory>();
    memory->reserve(bytes.size());
    auto copy = std::make_shared<CudaCopy>(bytes, std::move(memory), [this](std::unique_ptr<DeviceMemory> m) {
      std::lock_guard lock(mutex_);
      copy_pool_.push_back(std::move(m));
    });
    CUDA_TRY(cudaMemcpyAsync(copy->memory(), bytes.data(), bytes.size(), cudaMemcpyHostToDevice, upload_stream_.get()));
    CUDA_TRY(cudaEventRecord(copy->ready(), upload_stream_.get()));
    return copy;
  }

  void hash_blocks(std::span<const std::byte> page, std::uint32_t block_size, std::span<const BlockDigestRequest> requests,
                   const DeviceCopy* device) override {
    if (block_size == 0) throw Error(ErrorKind::internal, "hash_blocks: block size 0");
    const std::uint64_t blocks = kernels::BlockHashItem<kernels::Md5>::block_count(page.size(), block_size);
    // Each request's digests sit back to back in the lane's digest buffers, in request order, so
    // one D2H copy brings all of them.
    std::vector<std::size_t> offsets, sizes;
    std::size_t digest_bytes = 0;
    for (const auto& request : requests) {
      // Checked before a lane is taken, so that a bad request never leaves work enqueued.
      if (!info(request.algorithm).block)
        throw Error(ErrorKind::internal, "hash_blocks: no block-hash kernel for " + std::string(info(request.algorithm).name));
      const std::size_t bytes = blocks * info(request.algorithm).digest_size;
      if (request.out.size() < bytes)
        throw Error(ErrorKind::internal, "hash_blocks: the " + std::string(info(request.algorithm).name) + " output holds " +
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
    lane.d_digests.reserve(digest_bytes);
    lane.h_digests.reserve(digest_bytes);
    const cudaStream_t stream = lane.stream.get();
    auto* d_digests = reinterpret_cast<unsigned char*>(lane.d_digests.get());
    run_on_lane(lane, [&] {
      // The page is on the device once, however many algorithms: PCIe is the bound, not the kernels.
      const unsigned char* d_page = device_input(lane, page, device);
      if (requests.size() > 1 && requests.size() <= kernels::MultiBlockHashItem::max_slots) {
        // Every algorithm in one launch: four times the threads of one algorithm's launch.
        kernels::MultiBlockHashItem item{d_page, page.size(), block_size, static_cast<std::uint32_t>(requests.size()), {}, {}};
        for (std::size_t i = 0; i < requests.size(); ++i) {
          item.kind[i] = multi_block_kind(requests[i].algorithm);
          item.out[i] = d_digests + offsets[i];
        }
        shape_.launch(stream, item.count(), item);
      } else {
        for (std::size_t i = 0; i < requests.size(); ++i)
          visit_block_hasher(requests[i].algorithm, [&]<class Hasher>(std::type_identity<Hasher>) {
            launch_block_hash<Hasher>(shape_, d_page, page.size(), block_size, d_digests + offsets[i], stream);
          });
      }
      CUDA_TRY(cudaMemcpyAsync(lane.h_digests.get(), lane.d_digests.get(), digest_bytes, cudaMemcpyDeviceToHost, stream));
    });
    for (std::size_t i = 0; i < requests.size(); ++i)
      std::memcpy(requests[i].out.data(), lane.h_digests.get() + offsets[i], sizes[i]);
  }

  bool prefilter_identifiers(std::span<const std::byte> data, std::uint32_t window, std::span<std::uint8_t> marks,
                             const DeviceCopy* device) override {
    const kernels::IdentifierPrefilterItem probe{nullptr, data.size(), window, nullptr};
    if (!kernels::IdentifierPrefilterItem::valid_window(window) || marks.size() < probe.windows())
      throw Error(ErrorKind::internal, "prefilter_identifiers: " + std::to_string(marks.size()) + " marks for " +
                                           std::to_string(probe.windows()) + " windows of " + std::to_string(window) + " bytes");
    if (data.empty()) return true;
    CUDA_TRY(cudaSetDevice(device_));
    LaneLease lease(*this);
    Lane& lane = lease.lane();
    const std::uint64_t windows = probe.windows();
    lane.d_digests.reserve(windows);
    lane.h_digests.reserve(windows);
    const cudaStream_t stream = lane.stream.get();
    run_on_lane(lane, [&] {
      const kernels::IdentifierPrefilterItem item{device_input(lane, data, device), data.size(), window,
                                                  reinterpret_cast<std::uint8_t*>(lane.d_digests.get())};
      CUDA_TRY(cudaMemsetAsync(lane.d_digests.get(), 0, windows, stream));  // the kernel only sets marks
      shape_.launch(stream, item.count(), item);
      CUDA_TRY(cudaMemcpyAsync(lane.h_digests.get(), lane.d_digests.get(), windows, cudaMemcpyDeviceToHost, stream));
    });
    std::memcpy(marks.data(), lane.h_digests.get(), windows);
    return true;
  }

  // Signature search on the GPU: kernels::SignatureStripeItem marks candidate starts in 64-bit
  // words, and SignatureSet::hits_from_stripes turns them into the same hits the CPU reports.
  std::vector<SignatureHit> find_signatures(const SignatureSet& set, const SignatureQuery& query,
                                            const DeviceCopy* device) override {
    const kernels::SignatureStripeItem probe{set.table(), nullptr, query.data.size(), query.page_len, query.offset,
                                             std::max<std::uint32_t>(query.align, 1), nullptr};
    const std::uint64_t words = probe.count();
    if (words == 0 || set.table().count == 0) return {};
    CUDA_TRY(cudaSetDevice(device_));
    LaneLease lease(*this);
    Lane& lane = lease.lane();
    lane.d_digests.reserve(words * sizeof(std::uint64_t));
    lane.h_digests.reserve(words * sizeof(std::uint64_t));
    const cudaStream_t stream = lane.stream.get();
    kernels::SignatureStripeItem item = probe;
    item.out = reinterpret_cast<std::uint64_t*>(lane.d_digests.get());
    run_on_lane(lane, [&] {
      item.data = device_input(lane, query.data, device);
      shape_.launch(stream, words, item);
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
                           std::uint32_t step, std::span<std::uint32_t> out, const DeviceCopy* device) override {
    const std::uint32_t digest_size = info(table.algorithm).digest_size;
    if (step == 0 || page_len > data.size() || out.size() < (page_len + step - 1) / step || table.digests.size() % digest_size != 0)
      throw Error(ErrorKind::internal, "lookup_known_blocks: bad arguments");
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
    lane.d_digests.reserve(out_bytes);
    lane.h_digests.reserve(out_bytes);
    const cudaStream_t stream = lane.stream.get();
    visit_block_hasher(table.algorithm, [&]<class Hasher>(std::type_identity<Hasher>) {
      kernels::KnownBlockLookupItem<Hasher> item{nullptr,
                                                 data.size(),
                                                 page_len,
                                                 step,
                                                 table.block_size,
                                                 d_table,
                                                 table.digests.size() / Hasher::digest_size,
                                                 reinterpret_cast<std::uint32_t*>(lane.d_digests.get())};
      run_on_lane(lane, [&] {
        item.data = device_input(lane, data, device);
        shape_.launch(stream, items, item);
        CUDA_TRY(cudaMemcpyAsync(lane.h_digests.get(), lane.d_digests.get(), out_bytes, cudaMemcpyDeviceToHost, stream));
      });
    });
    std::memcpy(out.data(), lane.h_digests.get(), out_bytes);
  }

 private:
  // The device bytes of `span` for a call on the lane: in the chunk's upload when it lies there
  // (the lane's stream waits for that copy), else copied to the lane's own page buffer.
  static const unsigned char* device_input(Lane& lane, std::span<const std::byte> span, const DeviceCopy* device) {
    if (const auto* copy = dynamic_cast<const CudaCopy*>(device))
      if (const unsigned char* resident = copy->find(span)) {
        CUDA_TRY(cudaStreamWaitEvent(lane.stream.get(), copy->ready(), 0));
        return resident;
      }
    lane.d_page.reserve(span.size());
    CUDA_TRY(cudaMemcpyAsync(lane.d_page.get(), span.data(), span.size(), cudaMemcpyHostToDevice, lane.stream.get()));
    return reinterpret_cast<const unsigned char*>(lane.d_page.get());
  }

  // The device copy of a known-block digest table, uploaded on first use. Tables are kept until
  // the backend goes: a lane may still be searching one while another call asks for a new one.
  const std::byte* device_table(std::span<const std::byte> digests) {
    std::lock_guard lock(tables_mutex_);
    for (const auto& [key, memory] : tables_)
      if (key.first == digests.data() && key.second == digests.size()) return memory->get();
    auto memory = std::make_unique<DeviceMemory>(digests.size());
    // The lanes' streams are non-blocking: they do not wait for the legacy stream, and a plain
    // cudaMemcpy from pageable (here mmapped) memory may return before its DMA has landed. So the
    // copy goes on a stream of its own that is synchronised before any lane may see the table.
    Stream upload;
    CUDA_TRY(cudaMemcpyAsync(memory->get(), digests.data(), digests.size(), cudaMemcpyHostToDevice, upload.get()));
    CUDA_TRY(cudaStreamSynchronize(upload.get()));
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
  DeviceShape shape_;                        // how launches spread over the device's SMs
  std::vector<std::unique_ptr<Lane>> lanes_; // fixed after construction; Lane addresses are stable
  std::mutex mutex_;
  std::condition_variable lane_free_;
  std::vector<Lane*> free_;  // guarded by mutex_: lanes no call holds
  // Device buffers of chunk uploads no chunk holds (guarded by mutex_), and their stream.
  std::vector<std::unique_ptr<DeviceMemory>> copy_pool_;
  Stream upload_stream_;
  std::mutex tables_mutex_;
  // Known-block digest tables on the device, by host address and size; guarded by tables_mutex_.
  std::vector<std::pair<std::pair<const std::byte*, std::size_t>, std::unique_ptr<DeviceMemory>>> tables_;
};

// Kernel-only timings: the backend's kernels on device-resident data (see device_info.hpp).
class KernelTimer {
 public:
  explicit KernelTimer(std::uint64_t bytes) : bytes_(bytes) {}

  // Runs launch() once untimed, then `repeats` times between events; the median.
  template <class Launch>
  KernelTiming time(std::string name, std::string detail, Launch&& launch, unsigned repeats = 5) {
    launch(stream_.get());
    CUDA_TRY(cudaStreamSynchronize(stream_.get()));
    const double seconds = std::max(1e-9, cuda::median_milliseconds(stream_.get(), repeats, launch) * 1e-3);
    return KernelTiming{std::move(name), std::move(detail), static_cast<double>(bytes_) / seconds / 1e9, seconds, bytes_};
  }

 private:
  std::uint64_t bytes_;
  Stream stream_;
};

}  // namespace

std::vector<KernelTiming> cuda_kernel_timings(std::size_t bytes, std::size_t page_size, std::uint32_t block_size,
                                              const SignatureSet& signatures) {
  if (!cuda_device_info()) throw Error(ErrorKind::internal, "cuda_kernel_timings: no usable CUDA device");
  if (page_size == 0 || block_size == 0) throw Error(ErrorKind::internal, "cuda_kernel_timings: page or block size 0");
  const std::uint64_t pages = std::max<std::uint64_t>(1, bytes / page_size);
  const std::uint64_t total = pages * page_size;
  CUDA_TRY(cudaSetDevice(0));
  cudaDeviceProp properties{};
  CUDA_TRY(cudaGetDeviceProperties(&properties, 0));
  const DeviceShape shape(properties);

  // Random input (never zeros: see METHOD.md), uploaded once.
  DeviceMemory d_data(total);
  {
    PinnedMemory h_data(total);
    std::mt19937_64 random(20261204);
    for (std::uint64_t i = 0; i + 8 <= total; i += 8) {
      const std::uint64_t word = random();
      std::memcpy(h_data.get() + i, &word, 8);
    }
    Stream upload;
    CUDA_TRY(cudaMemcpyAsync(d_data.get(), h_data.get(), total, cudaMemcpyHostToDevice, upload.get()));
    CUDA_TRY(cudaStreamSynchronize(upload.get()));
  }
  const auto* d_bytes = reinterpret_cast<const unsigned char*>(d_data.get());
  const auto page_at = [&](std::uint64_t p) { return d_bytes + p * page_size; };
  const std::string per_page = "one launch per " + std::to_string(page_size >> 20) + " MiB page";

  KernelTimer timer(total);
  std::vector<KernelTiming> timings;
  const std::uint64_t blocks_per_page = kernels::BlockHashItem<kernels::Md5>::block_count(page_size, block_size);
  const std::vector<HashAlgorithm> block_algorithms{HashAlgorithm::md5, HashAlgorithm::sha1, HashAlgorithm::sha256, HashAlgorithm::xxh64};
  std::size_t all_digest_bytes = 0;
  for (const auto a : block_algorithms) all_digest_bytes += blocks_per_page * info(a).digest_size;
  // Room for the largest output of one page: the signature stripes' bitmap (a bit per byte) or
  // the known lookup's index per 512 bytes are both under a byte per input byte.
  DeviceMemory d_out(std::max<std::size_t>(all_digest_bytes, page_size));
  auto* d_digests = reinterpret_cast<unsigned char*>(d_out.get());
  for (const auto a : block_algorithms)
    visit_block_hasher(a, [&]<class Hasher>(std::type_identity<Hasher>) {
      timings.push_back(timer.time("kernel.blocks." + std::string(info(a).name),
                                   std::string(info(a).name) + " of each " + std::to_string(block_size) + "-byte block, " + per_page,
                                   [&](cudaStream_t stream) {
                                     for (std::uint64_t p = 0; p < pages; ++p)
                                       launch_block_hash<Hasher>(shape, page_at(p), page_size, block_size, d_digests, stream);
                                   }));
    });
  timings.push_back(timer.time("kernel.blocks.all", "md5, sha1, sha256 and xxh64 of each block, one launch per page", [&](cudaStream_t stream) {
    for (std::uint64_t p = 0; p < pages; ++p) {
      kernels::MultiBlockHashItem item{page_at(p), page_size, block_size, static_cast<std::uint32_t>(block_algorithms.size()), {}, {}};
      std::size_t offset = 0;
      for (std::size_t i = 0; i < block_algorithms.size(); ++i) {
        item.kind[i] = multi_block_kind(block_algorithms[i]);
        item.out[i] = d_digests + offset;
        offset += blocks_per_page * info(block_algorithms[i]).digest_size;
      }
      shape.launch(stream, item.count(), item);
    }
  }));

  timings.push_back(timer.time("kernel.prefilter", "identifier prefilter, 4096-byte windows, " + per_page, [&](cudaStream_t stream) {
    for (std::uint64_t p = 0; p < pages; ++p) {
      const kernels::IdentifierPrefilterItem item{page_at(p), page_size, 4096, reinterpret_cast<std::uint8_t*>(d_digests)};
      CUDA_TRY(cudaMemsetAsync(d_digests, 0, item.windows(), stream));
      shape.launch(stream, item.count(), item);
    }
  }));

  timings.push_back(timer.time("kernel.signatures", std::to_string(signatures.table().count) + " carving signatures, " + per_page,
                               [&](cudaStream_t stream) {
                                 for (std::uint64_t p = 0; p < pages; ++p) {
                                   const kernels::SignatureStripeItem item{signatures.table(), page_at(p), page_size, page_size,
                                                                           p * page_size, 1, reinterpret_cast<std::uint64_t*>(d_digests)};
                                   shape.launch(stream, item.count(), item);
                                 }
                               }));

  // A table of 2^20 random SHA-256 digests, sorted (a block database of 4 GiB of files).
  {
    constexpr std::uint64_t table_count = 1u << 20;
    std::vector<std::array<unsigned char, 32>> table(table_count);
    std::mt19937_64 random(7);
    for (auto& digest : table)
      for (std::size_t k = 0; k < digest.size(); k += 8) {
        const std::uint64_t word = random();
        std::memcpy(digest.data() + k, &word, 8);
      }
    std::sort(table.begin(), table.end());
    DeviceMemory d_table(table_count * 32);
    Stream upload;
    CUDA_TRY(cudaMemcpyAsync(d_table.get(), table.data(), table_count * 32, cudaMemcpyHostToDevice, upload.get()));
    CUDA_TRY(cudaStreamSynchronize(upload.get()));
    const std::uint32_t step = 512;
    const std::uint64_t lookup_pages = pages > 1 ? pages - 1 : 0;  // each page reads a block past its end
    if (lookup_pages > 0) {
      KernelTimer lookup_timer(lookup_pages * page_size);
      timings.push_back(lookup_timer.time(
          "kernel.known", "sha256 of a 4096-byte block at every 512 bytes, binary search in 2^20 digests, " + per_page,
          [&](cudaStream_t stream) {
            for (std::uint64_t p = 0; p < lookup_pages; ++p) {
              const kernels::KnownBlockLookupItem<kernels::Sha256> item{page_at(p), page_size + 4096, page_size, step, 4096,
                                                                        reinterpret_cast<const unsigned char*>(d_table.get()),
                                                                        table_count, reinterpret_cast<std::uint32_t*>(d_digests)};
              shape.launch(stream, item.count(), item);
            }
          }));
    }
  }
  return timings;
}

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
