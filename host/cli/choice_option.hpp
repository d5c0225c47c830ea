// A command-line value that names one of a choice's values (trawl.hpp: BackendKind, CarveMode,
// PrefilterMode, FileSystemMode).
#pragma once

#include <string>
#include <string_view>

#include "trawl/trawl.hpp"

namespace trawl::cli {

// The choice `value` names; a usage error naming the flag and every name otherwise.
template <class Choice>
Choice choice_option(const std::string& value, std::string_view flag) {
  Choice choice{};
  if (!parse_choice(value, choice))
    throw Error(ErrorKind::options, std::string(flag) + " must be " + choice_names(choice) + ", not '" + value + "'");
  return choice;
}

}  // namespace trawl::cli
