// The `trawl` subcommands that live outside main.cpp; each takes the arguments after its name
// and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace trawl::cli {

int run_merge(const std::vector<std::string>& args);

}  // namespace trawl::cli
