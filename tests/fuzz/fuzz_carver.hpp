// The body of every carver fuzz target: the carver runs on the fuzzer's bytes behind its own
// signature (so the fuzzer spends its time on structure, not on finding the magic), once from
// memory and once through a Source with only part of the bytes resident (the block-cache path).
// A finding is a crash, a sanitizer report, a hang, or a length past the end of the bytes. A walk
// that breaks (corrupt) also runs the bifragment search (carvers/reassemble.hpp) over the bytes,
// with a small gap and budget; a reassembly must lie inside the bytes and validate again.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "carvers/carver.hpp"
#include "carvers/reassemble.hpp"

namespace trawl::fuzz {

class BytesSource final : public Source {
 public:
  explicit BytesSource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  Read read_at(std::span<std::byte> buffer, std::uint64_t offset) const override {
    Read r;
    if (offset < bytes_.size()) {
      r.bytes = std::min<std::size_t>(buffer.size(), bytes_.size() - offset);
      std::memcpy(buffer.data(), bytes_.data() + offset, r.bytes);
    }
    return r;
  }
  std::optional<std::uint64_t> size() const override { return bytes_.size(); }
  bool random_access() const override { return true; }
  std::string_view kind() const override { return "raw"; }
  std::vector<std::string> paths() const override { return {"fuzz"}; }

 private:
  std::span<const std::byte> bytes_;
};

inline void check(const carvers::Carve& c, std::size_t size) {
  if (c.length > size) std::abort();
  if (c.verdict == carvers::Verdict::valid && c.length == 0) std::abort();
}

// The file a fuzz input stands for: the input with the carver's signature put in at its offset,
// input[0, offset) + signature + input[offset, size). The first input byte picks the signature
// (formats with several), so the seeds in tests/fuzz/corpus/ are stored without it.
inline std::vector<std::byte> file_from_input(const carvers::CarverSpec& spec, const std::uint8_t* data, std::size_t size) {
  const auto& sig = spec.signatures[size ? data[0] % spec.signatures.size() : 0];
  const std::size_t head = std::min<std::size_t>(size, sig.offset);
  std::vector<std::byte> bytes(std::max<std::size_t>(size, sig.offset) + sig.bytes.size());
  if (head) std::memcpy(bytes.data(), data, head);
  std::memcpy(bytes.data() + sig.offset, sig.bytes.data(), sig.bytes.size());
  if (size > head) std::memcpy(bytes.data() + sig.offset + sig.bytes.size(), data + head, size - head);
  return bytes;
}

inline int run_carver(const char* type, const std::uint8_t* data, std::size_t size) {
  const auto* spec = carvers::find_carver(type);
  if (!spec) std::abort();
  const auto bytes = file_from_input(*spec, data, size);
  {
    carvers::ByteView view(bytes);
    check(carvers::carve(*spec, view), bytes.size());
  }
  {
    BytesSource source(bytes);
    const std::size_t resident = bytes.size() / 2;
    carvers::ByteView view(source, 0, bytes.size(), std::span(bytes).first(resident), 0, false);
    const auto c = carvers::carve(*spec, view);
    check(c, bytes.size());
    if (c.verdict == carvers::Verdict::corrupt && carvers::can_reassemble(*spec)) {
      carvers::ReassembleOptions o;
      o.max_gap = 16 << 10;
      o.file_budget = 1 << 20;
      const auto r = carvers::reassemble(*spec, view, c, o, nullptr);
      if (r.carve) {
        if (r.runs.size() != 2 || r.runs[0].length + r.runs[1].length != r.carve->length) std::abort();
        for (const auto& run : r.runs)
          if (run.offset > bytes.size() || run.length > bytes.size() - run.offset) std::abort();
        const auto again = view.with_runs(r.runs, r.carve->length);
        const auto c2 = carvers::carve(*spec, again);
        if (c2.verdict != carvers::Verdict::valid || c2.length != r.carve->length) std::abort();
      }
    }
  }
  return 0;
}

}  // namespace trawl::fuzz

#define TRAWL_FUZZ_CARVER(type)                                                        \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    return trawl::fuzz::run_carver(type, data, size);                                  \
  }
