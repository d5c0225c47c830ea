// The backend a test names: tests keep tables of backends by name ("cpu", "cuda", "emulated")
// and use the names for output folders.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "trawl/trawl.hpp"

namespace trawl::test {

inline BackendKind backend_named(std::string_view name) {
  BackendKind kind{};
  if (!parse_choice(name, kind)) throw std::invalid_argument("no backend is named " + std::string(name));
  return kind;
}

}  // namespace trawl::test
