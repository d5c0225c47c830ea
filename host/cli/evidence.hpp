// How the CLI opens evidence: trawl::open_source, and the fault-injection test hook.
#pragma once

#include <memory>
#include <string>

#include "trawl/trawl.hpp"

namespace trawl::cli {

// open_source(path, options); with TRAWL_INJECT_BAD_SECTORS="OFFSET:LENGTH,..." those ranges fail
// as bad sectors, with TRAWL_INJECT_SHORT_READS="OFFSET,..." the first read across each offset
// comes back short there without an error (a FaultySource around the source; HACKING.md). The
// hook lives in the CLI: the library reads no environment variables.
std::unique_ptr<Source> open_evidence(const std::string& path, const SourceOptions& options = {});

}  // namespace trawl::cli
