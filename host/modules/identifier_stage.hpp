// The identifier stage: Hyperscan over each chunk (lookbehind + page + margin, reporting what
// starts in the page), plus the compressed streams that start in the page, inflated and
// searched with forensic paths (OFFSET-GZIP-N, OFFSET-ZIP-N, nested up to a depth).
#pragma once

#include "host/backend/backend.hpp"
#include "host/decoders/inflate.hpp"
#include "host/modules/stage.hpp"
#include "host/scanners/identifier_scanner.hpp"
#include "host/sinks/feature_sink.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

class IdentifierStage final : public ChunkStage {
 public:
  enum class Prefilter { off, device, emulated };
  IdentifierStage(const IdentifierScanner& scanner, FeatureSink& sink, const Source& source, Backend& backend,
                  Prefilter prefilter, bool decode, DecodeLimits limits, unsigned workers)
      : scanner_(scanner), sink_(sink), source_(source), backend_(backend), prefilter_(prefilter), decode_(decode),
        limits_(limits), workers_(workers) {}
  // Bytes per prefilter window.
  static constexpr std::uint32_t prefilter_window = 4096;
  std::string name() const override { return "identifiers"; }
  unsigned workers() const override { return workers_; }
  int nice() const override { return 0; }
  bool uses_device() const override { return prefilter_ == Prefilter::device && scanner_.prefilter_safe(); }
  void consume(const Chunk& chunk) override;

 private:
  // Inflates a stream, searches what it decodes to, and recurses into streams inside it.
  // `container`: the forensic container the stream starts in ("" for the image, where the
  // stream's path takes image_offset), as host/core/forensic_path.hpp builds it.
  void decode_and_scan(const StreamStart& stream, const InputReader& read, const std::string& container,
                       std::uint64_t image_offset, unsigned depth, std::vector<Feature>& out);

  const IdentifierScanner& scanner_;
  FeatureSink& sink_;
  // The owned ranges to scan: [own_begin, own_end) whole, or the parts around marked windows.
  std::vector<std::pair<std::size_t, std::size_t>> ranges_to_scan(std::span<const std::byte> buffer, std::size_t own_begin,
                                                                  std::size_t own_end, const DeviceCopy* device);

  const Source& source_;
  Backend& backend_;
  Prefilter prefilter_;
  bool decode_;
  DecodeLimits limits_;
  unsigned workers_;
};

}  // namespace trawl::detail
