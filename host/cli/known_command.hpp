// `trawl hashset import` and `trawl hashdb build`: the known-file stores that `trawl scan
// --hashset` and `--known-blocks` read.
#pragma once

#include <string>
#include <vector>

namespace trawl::cli {

int run_hashset(const std::vector<std::string>& args);
int run_hashdb(const std::vector<std::string>& args);

}  // namespace trawl::cli
