// `trawl bench`: throughput of every stage of a pass on generated data held in memory, so that
// people comparing hardware get numbers that do not depend on their disks.
#pragma once

#include <string>
#include <vector>

namespace trawl::cli {

// args: the words after "bench". Returns the process exit code; throws trawl::Error on bad usage.
int run_bench(const std::vector<std::string>& args);

}  // namespace trawl::cli
