// libFuzzer target: the E01 source (host/source/ewf_source.cpp over libewf). The input is
// written as image.E01 and opened as trawl opens evidence: the set check (signature, segment
// number, the last section's descriptor), libewf's open, the media values, the stored digests
// and the header values; then the media is read as the Reader and the carvers read it (large
// reads cut into pieces for two decode threads, small reads across chunk boundaries, the end).
// A damaged or forged E01 must end in Error(input) when opened and in read errors (EIO) when
// read, never in a crash, a leak or a sanitizer report.
//
// libewf itself is Debian's build, without coverage: the fuzzer is guided by trawl's code, and
// mutations of the seeds (tests/fuzz/corpus/ewf/, made by ewfacquire) reach libewf's parsers.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "host/source/ewf_source.hpp"
#include "tests/fuzz/fuzz_files.hpp"
#include "trawl/trawl.hpp"

namespace {

// Bytes read per input at most: a forged header may claim any media size.
constexpr std::uint64_t read_budget = 4u << 20;

void check_read(const trawl::Source& source, std::vector<std::byte>& buffer, std::uint64_t offset, std::size_t length) {
  buffer.resize(length);
  const auto r = source.read_at(buffer, offset);
  if (r.bytes > length) std::abort();
  const std::uint64_t media = *source.size();
  if (offset >= media && r.bytes != 0) std::abort();
  if (offset < media && r.bytes > media - offset) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const trawl::fuzz::FuzzDir dir("ewf");
  const auto path = dir.write("image.E01", data, size);
  try {
    const auto source = trawl::detail::EwfSource::open(path.string(), 2);
    if (!source->size() || source->chunk_size() == 0) std::abort();
    (void)source->stored_hashes();
    (void)source->acquisition();
    const std::uint64_t media = *source->size();
    const std::uint64_t chunk = source->chunk_size();
    std::vector<std::byte> buffer;
    // The Reader: large reads from the start (more than one piece each: both decode threads).
    std::uint64_t spent = 0;
    for (std::uint64_t offset = 0; offset < media && spent < read_budget; offset += 3u << 20, spent += 3u << 20)
      check_read(*source, buffer, offset, 3u << 20);
    // A carver: small reads across the first chunk boundaries, then the end and past it.
    for (std::uint64_t k = 1; k <= 4 && k * chunk < media; ++k) check_read(*source, buffer, k * chunk - 7, 512);
    if (media > 0) check_read(*source, buffer, media - std::min<std::uint64_t>(media, 100), 512);
    check_read(*source, buffer, media, 16);
  } catch (const trawl::Error& e) {
    trawl::fuzz::expect_code(e, trawl::ErrorKind::input);
  }
  return 0;
}
