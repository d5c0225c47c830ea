// The emulated backend (--backend emulated): the CUDA backend's structure on the host. A chunk is
// uploaded once into a "device" copy; every call runs the same kernel functor the CUDA backend
// launches (kernels/), through emulated_launch, on that copy; bytes that are not in an uploaded
// chunk are copied by the call, as a device would have to. The copies are counted, so the tests
// check what crosses PCIe on a GPU without one.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "host/backend/backend.hpp"
#include "host/backend/block_hashers.hpp"
#include "kernels/block_hash.hpp"
#include "kernels/identifier_prefilter.hpp"
#include "kernels/launch.hpp"

namespace trawl::detail {
namespace {

std::atomic<std::uint64_t> uploads{0}, upload_bytes{0}, extra_copies{0};

class EmulatedCopy final : public DeviceCopy {
 public:
  explicit EmulatedCopy(std::span<const std::byte> host) : DeviceCopy(host), bytes_(host.begin(), host.end()) {}
  // The copy of `span`, when it lies in the uploaded chunk; else null.
  const std::byte* find(std::span<const std::byte> span) const {
    const auto at = offset_of(span);
    return at ? bytes_.data() + *at : nullptr;
  }

 private:
  std::vector<std::byte> bytes_;
};

// The bytes a kernel reads: in the chunk's device copy, or copied for this call (counted).
class KernelInput {
 public:
  KernelInput(std::span<const std::byte> span, const DeviceCopy* device) : size_(span.size()) {
    if (const auto* copy = dynamic_cast<const EmulatedCopy*>(device)) data_ = copy->find(span);
    if (data_) return;
    own_.assign(span.begin(), span.end());
    data_ = own_.data();
    extra_copies.fetch_add(1);
  }
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const unsigned char* get() const { return reinterpret_cast<const unsigned char*>(data_); }

 private:
  const std::byte* data_ = nullptr;
  std::size_t size_;
  std::vector<std::byte> own_;
};

class EmulatedBackend final : public Backend {
 public:
  explicit EmulatedBackend(unsigned threads) : workers_(threads ? threads : std::max(1u, std::thread::hardware_concurrency())) {}
  BackendKind kind() const override { return BackendKind::emulated; }
  unsigned workers() const override { return workers_; }

  std::shared_ptr<const DeviceCopy> upload(const Chunk& chunk) override {
    const auto bytes = chunk.with_lookbehind();
    uploads.fetch_add(1);
    upload_bytes.fetch_add(bytes.size());
    return std::make_shared<const EmulatedCopy>(bytes);
  }

  void hash_blocks(std::span<const std::byte> page, std::uint32_t block_size, std::span<const BlockDigestRequest> requests,
                   const DeviceCopy* device) override {
    if (block_size == 0) throw Error(ErrorKind::internal, "hash_blocks: block size 0");
    const std::uint64_t blocks = kernels::BlockHashItem<kernels::Md5>::block_count(page.size(), block_size);
    for (const auto& request : requests)
      if (request.out.size() < blocks * info(request.algorithm).digest_size)
        throw Error(ErrorKind::internal,
                    "hash_blocks: the " + std::string(info(request.algorithm).name) + " output is too small");
    if (blocks == 0 || requests.empty()) return;
    const KernelInput input(page, device);
    const auto out = [&](std::size_t i) { return reinterpret_cast<unsigned char*>(requests[i].out.data()); };
    // As the CUDA backend: every algorithm in one launch, or one launch each beyond its slots.
    if (requests.size() > 1 && requests.size() <= kernels::MultiBlockHashItem::max_slots) {
      kernels::MultiBlockHashItem item{input.get(), page.size(), block_size, static_cast<std::uint32_t>(requests.size()), {}, {}};
      for (std::size_t i = 0; i < requests.size(); ++i) {
        item.kind[i] = multi_block_kind(requests[i].algorithm);
        item.out[i] = out(i);
      }
      kernels::emulated_launch(item.count(), item);
      return;
    }
    for (std::size_t i = 0; i < requests.size(); ++i)
      visit_block_hasher(requests[i].algorithm, [&]<class Hasher>(std::type_identity<Hasher>) {
        const kernels::BlockHashItem<Hasher> item{input.get(), page.size(), block_size, out(i)};
        kernels::emulated_launch(item.count(), item);
      });
  }

  bool prefilter_identifiers(std::span<const std::byte> data, std::uint32_t window, std::span<std::uint8_t> marks,
                             const DeviceCopy* device) override {
    const kernels::IdentifierPrefilterItem probe{nullptr, data.size(), window, nullptr};
    if (!kernels::IdentifierPrefilterItem::valid_window(window) || marks.size() < probe.windows())
      throw Error(ErrorKind::internal, "prefilter_identifiers: too few marks");
    if (data.empty()) return true;
    const KernelInput input(data, device);
    std::fill(marks.begin(), marks.begin() + static_cast<std::ptrdiff_t>(probe.windows()), 0);  // the kernel only sets marks
    kernels::emulated_launch(probe.count(), kernels::IdentifierPrefilterItem{input.get(), data.size(), window, marks.data()});
    return true;
  }

  std::vector<SignatureHit> find_signatures(const SignatureSet& set, const SignatureQuery& query,
                                            const DeviceCopy* device) override {
    if (query.data.empty() || set.table().count == 0) return {};
    const KernelInput input(query.data, device);
    SignatureQuery on_device = query;
    on_device.data = input.bytes();
    return set.find_emulated(on_device);
  }

  void lookup_known_blocks(const KnownBlockTable& table, std::span<const std::byte> data, std::size_t page_len,
                           std::uint32_t step, std::span<std::uint32_t> out, const DeviceCopy* device) override {
    const KernelInput input(data, device);
    emulated_known_lookup(table, input.bytes(), page_len, step, out);
  }

 private:
  unsigned workers_;
};

}  // namespace

std::unique_ptr<Backend> make_emulated_backend(unsigned threads) { return std::make_unique<EmulatedBackend>(threads); }

DeviceTransfers emulated_transfers() { return {uploads.load(), upload_bytes.load(), extra_copies.load()}; }

}  // namespace trawl::detail
