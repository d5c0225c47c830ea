#include "host/cli/evidence.hpp"

#include <cstdlib>
#include <vector>

#include "host/source/sources.hpp"
#include "host/util/text.hpp"

namespace trawl::cli {

std::unique_ptr<Source> open_evidence(const std::string& path, const SourceOptions& options) {
  auto source = open_source(path, options);
  const char* bad = std::getenv("TRAWL_INJECT_BAD_SECTORS");
  const char* cut = std::getenv("TRAWL_INJECT_SHORT_READS");
  if ((!bad || !*bad) && (!cut || !*cut)) return source;
  std::vector<std::uint64_t> short_reads;
  if (cut && *cut)
    for (const auto& part : detail::split_list(cut)) short_reads.push_back(detail::parse_size(part, "short-read offset"));
  return std::make_unique<detail::FaultySource>(
      std::move(source), bad && *bad ? detail::parse_ranges(bad) : std::vector<ByteRange>{}, 512, std::move(short_reads));
}

}  // namespace trawl::cli
