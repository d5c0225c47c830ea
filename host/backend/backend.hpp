// The backend does the bulk, parallel work on chunks: block digests, signature search,
// identifier prefilter and known-block lookups. One implementation per processor kind
// (cpu, cuda) behind this interface, chosen at run time; all must give identical bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/backend/signature_search.hpp"
#include "host/hashing/algorithms.hpp"
#include "host/reader/chunk.hpp"
#include "host/reader/host_buffer.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

// Where the digests of one algorithm go: digest_size bytes per block, in block order.
struct BlockDigestRequest {
  HashAlgorithm algorithm;
  std::span<std::byte> out;
};

// The sorted digest table of a block-hash database (host/known/block_db.hpp), as the known-block
// lookup searches it.
struct KnownBlockTable {
  HashAlgorithm algorithm;               // md5, sha1 or sha256
  std::uint32_t block_size;              // bytes hashed per candidate
  std::span<const std::byte> digests;    // sorted (memcmp order), unique, digest_size each
  // Optional (empty: plain binary search). prefix_index[p] is the first digest whose top
  // prefix_bits bits are >= p, for p in [0, 2^prefix_bits]; the search then starts in a range
  // of a few digests instead of the whole table (make_prefix_index).
  std::span<const std::uint32_t> prefix_index;
  std::uint32_t prefix_bits = 0;
};

// The prefix index of a sorted digest table, about 8 digests per prefix (at most 2^24 + 1 entries).
// Digests are cryptographic hashes, uniform, so the prefixes spread them evenly.
std::uint32_t prefix_bits_for(std::uint64_t digest_count);
std::vector<std::uint32_t> make_prefix_index(std::span<const std::byte> digests, std::uint32_t digest_size, std::uint32_t bits);

// The lookup's answer for a candidate whose block is not in the table.
inline constexpr std::uint32_t known_no_match = 0xffffffffu;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;  // cpu, cuda or emulated
  std::string_view name() const { return to_string(kind()); }
  // Chunk buffers for the reader: pinned memory where the backend copies to a device.
  virtual HostBuffer allocate_host(std::size_t size) { return allocate_aligned(size); }
  // How many threads should call the backend at once.
  virtual unsigned workers() const = 0;
  // A chunk reaches the device once: upload() copies its bytes (lookbehind, page and margin) and
  // every call below that is given the copy reads its span from it when the span lies in the
  // chunk (a decoded stream's bytes do not: the call copies those). Null: the backend reads host
  // memory (the CPU). Called by the reader's thread, in chunk order.
  virtual std::shared_ptr<const DeviceCopy> upload(const Chunk& /*chunk*/) { return nullptr; }
  // Digest of every block_size block of `page` (the last block may be short), for each request.
  // `page` lies in a buffer from allocate_host(). Thread-safe: called by workers() threads at
  // once, each with its own chunk, which is how a device backend overlaps copies and kernels.
  virtual void hash_blocks(std::span<const std::byte> page, std::uint32_t block_size,
                           std::span<const BlockDigestRequest> requests, const DeviceCopy* device = nullptr) = 0;
  // Marks the `window`-byte windows of `data` in which an identifier trigger starts
  // (kernels/identifier_prefilter.hpp), so that Hyperscan scans only those. Returns false when
  // the backend has no device for it: scanning everything on the CPU is then cheaper.
  virtual bool prefilter_identifiers(std::span<const std::byte> /*data*/, std::uint32_t /*window*/,
                                     std::span<std::uint8_t> /*marks*/, const DeviceCopy* /*device*/ = nullptr) {
    return false;
  }
  // Candidate file starts in the page of `query`, in offset order (host/backend/signature_search.hpp).
  // Thread-safe like hash_blocks. The default is the CPU search (Hyperscan); a device backend
  // overrides it with kernels::SignatureStripeItem and SignatureSet::hits_from_stripes, which
  // must give the same hits.
  virtual std::vector<SignatureHit> find_signatures(const SignatureSet& set, const SignatureQuery& query,
                                                    const DeviceCopy* device = nullptr);
  // Known-block lookup (kernels/known_block_lookup.hpp): out[i] is the index in table.digests of
  // the digest of the table.block_size bytes at data offset i * step, for every such offset in
  // [0, page_len), or known_no_match (also when the block does not fit in data). out holds
  // ceil(page_len / step) entries. Thread-safe like hash_blocks. The default hashes with OpenSSL
  // on the calling thread; a device backend runs kernels::KnownBlockLookupItem, which must give
  // the same indices.
  virtual void lookup_known_blocks(const KnownBlockTable& table, std::span<const std::byte> data, std::size_t page_len,
                                   std::uint32_t step, std::span<std::uint32_t> out, const DeviceCopy* device = nullptr);
};

// The same lookup through kernels::KnownBlockLookupItem under emulated_launch: what the device
// runs, on the host, for the tests.
void emulated_known_lookup(const KnownBlockTable& table, std::span<const std::byte> data, std::size_t page_len,
                           std::uint32_t step, std::span<std::uint32_t> out);

// threads == 0: one per core.
std::unique_ptr<Backend> make_cpu_backend(unsigned threads);

// The emulated backend (--backend emulated): the CUDA backend's structure on the host — one
// upload per chunk into a "device" copy, every kernel functor (kernels/) run by emulated_launch on
// that copy — so that a machine without a GPU runs exactly the code the GPU runs, and counts the
// copies a device would make.
std::unique_ptr<Backend> make_emulated_backend(unsigned threads);
struct DeviceTransfers {
  std::uint64_t uploads = 0;  // chunks copied to the device (Backend::upload)
  std::uint64_t upload_bytes = 0;
  std::uint64_t extra_copies = 0;  // calls whose bytes were not in an uploaded chunk (decoded streams)
};
// What every emulated backend of this process has copied so far.
DeviceTransfers emulated_transfers();

struct BackendChoice {
  std::unique_ptr<Backend> backend;
  std::string notice;  // one line when `auto` fell back to the CPU, saying why
};

// `cuda` without a usable device throws Error(options) with the reason.
BackendChoice select_backend(BackendKind kind, unsigned threads);

}  // namespace trawl::detail
