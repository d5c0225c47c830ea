// `trawl case build|correlate|schema`: the case database of many scans and the correlation
// across devices (host/case/).
#pragma once

#include <string>
#include <vector>

namespace trawl::cli {

// args: the words after "case". Returns the process exit code; throws trawl::Error on bad usage
// and bad input.
int run_case(const std::vector<std::string>& args);

}  // namespace trawl::cli
