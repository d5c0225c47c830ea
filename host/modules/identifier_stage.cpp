#include "host/modules/identifier_stage.hpp"

#include <cstring>

#include "host/core/forensic_path.hpp"
#include "kernels/identifier_prefilter.hpp"
#include "kernels/launch.hpp"

namespace trawl::detail {

void IdentifierStage::consume(const Chunk& chunk) {
  const auto buffer = chunk.with_lookbehind();
  const std::uint64_t base = chunk.offset - chunk.before_len;  // image offset of buffer[0]
  const std::size_t own_begin = chunk.before_len, own_end = chunk.before_len + chunk.page_len;
  std::vector<Feature> features;
  for (auto [begin, end] : ranges_to_scan(buffer, own_begin, own_end, chunk.device.get()))
    scanner_.scan(buffer, begin, end, features);
  for (auto& f : features) f.image_offset = f.offset += base;

  if (decode_) {
    for (const auto& stream : find_streams(buffer, own_begin, own_end)) {
      const std::uint64_t data_start = base + stream.data_offset;
      // The stream's bytes: from the chunk while it lasts, then from the source (random
      // access); a stream source stops at the end of the chunk's margin.
      InputReader read = [&, data_start](std::span<std::byte> into, std::uint64_t offset) -> std::size_t {
        const std::uint64_t at = data_start + offset;
        if (at >= base && at - base < buffer.size()) {
          std::size_t n = std::min<std::size_t>(into.size(), buffer.size() - (at - base));
          std::memcpy(into.data(), buffer.data() + (at - base), n);
          return n;
        }
        if (!source_.random_access()) return 0;
        return source_.read_at(into, at).bytes;
      };
      decode_and_scan(stream, read, "", base + stream.offset, 0, features);
    }
  }
  sink_.submit(chunk.index, std::move(features));
}

// Every match holds a trigger (rules/README.md) and is at most R = required_margin() bytes
// long, so a match that starts at s has its trigger in [s, s + R): the starts to scan around a
// marked window [a, b) are [a - R, b). Triggers are looked for up to R past the page, for
// matches that start in the page and end in the margin.
std::vector<std::pair<std::size_t, std::size_t>> IdentifierStage::ranges_to_scan(std::span<const std::byte> buffer,
                                                                                 std::size_t own_begin, std::size_t own_end,
                                                                                 const DeviceCopy* device) {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  if (prefilter_ == Prefilter::off || !scanner_.prefilter_safe()) {
    ranges.emplace_back(own_begin, own_end);
    return ranges;
  }
  const std::size_t reach = scanner_.required_margin();
  const auto data = buffer.subspan(own_begin, std::min(buffer.size(), own_end + reach) - own_begin);
  const kernels::IdentifierPrefilterItem probe{nullptr, data.size(), prefilter_window, nullptr};
  std::vector<std::uint8_t> marks(probe.windows());  // zeroed: the kernel only sets marks
  if (prefilter_ == Prefilter::emulated) {
    kernels::emulated_launch(probe.count(), kernels::IdentifierPrefilterItem{reinterpret_cast<const unsigned char*>(data.data()),
                                                                              data.size(), prefilter_window, marks.data()});
  } else if (!backend_.prefilter_identifiers(data, prefilter_window, marks, device)) {
    ranges.emplace_back(own_begin, own_end);
    return ranges;
  }
  for (std::size_t w = 0; w < marks.size(); ++w) {
    if (!marks[w]) continue;
    const std::size_t window_begin = own_begin + w * prefilter_window;
    std::size_t begin = window_begin >= own_begin + reach ? window_begin - reach : own_begin;
    std::size_t end = std::min(own_end, window_begin + prefilter_window);
    if (begin >= end) continue;
    if (!ranges.empty() && begin <= ranges.back().second) ranges.back().second = std::max(ranges.back().second, end);
    else ranges.emplace_back(begin, end);
  }
  return ranges;
}

void IdentifierStage::decode_and_scan(const StreamStart& stream, const InputReader& read, const std::string& container,
                                      std::uint64_t image_offset, unsigned depth, std::vector<Feature>& out) {
  std::vector<std::byte> decoded = inflate_stream(stream, read, limits_);
  if (decoded.empty()) return;
  sink_.count_decoded_stream(decoded.size());
  const std::string path = decoded_container(container, container.empty() ? image_offset : stream.offset, stream.kind);
  std::vector<Feature> found;
  scanner_.scan(decoded, 0, decoded.size(), found);
  for (auto& f : found) {
    f.path = path;
    f.image_offset = image_offset;
    out.push_back(std::move(f));
  }
  if (depth + 1 >= limits_.max_depth) return;
  for (const auto& inner : find_streams(decoded, 0, decoded.size())) {
    InputReader read_inner = [&decoded, &inner](std::span<std::byte> into, std::uint64_t offset) -> std::size_t {
      const std::uint64_t at = inner.data_offset + offset;
      if (at >= decoded.size()) return 0;
      std::size_t n = std::min<std::size_t>(into.size(), decoded.size() - at);
      std::memcpy(into.data(), decoded.data() + at, n);
      return n;
    };
    decode_and_scan(inner, read_inner, path, image_offset, depth + 1, out);
  }
}

}  // namespace trawl::detail
