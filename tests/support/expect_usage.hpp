// Asserts that scan() refuses options as a usage error (exit code 2) before reading anything.
#pragma once

#include <gtest/gtest.h>

#include "trawl/trawl.hpp"

namespace trawl::test {

// `change` edits a copy of `base`; the scan must throw Error(ErrorKind::options).
template <class Change>
void expect_usage_error(const Source& source, ScanOptions base, Change change) {
  change(base);
  try {
    scan(source, base);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::options) << e.what();
  }
}

}  // namespace trawl::test
