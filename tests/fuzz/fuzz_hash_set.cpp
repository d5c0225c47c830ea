// libFuzzer target: the hash-set store reader (host/known/hash_set.cpp, `--hashset STORE.ths`).
// Stores are mapped and read in place; a damaged or forged one (cut short, counts that overflow,
// offsets out of range, unsorted tables) must end in Error(input) when opened, and one that
// opens must answer every lookup from inside its own bytes.
#include <cstdint>

#include "tests/fuzz/fuzz_files.hpp"
#include "tests/fuzz/fuzz_hash_set_check.hpp"
#include "trawl/trawl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const trawl::fuzz::FuzzDir dir("hash-set");
  const auto path = dir.write("store.ths", data, size);
  try {
    trawl::fuzz::check_hash_set(path);
  } catch (const trawl::Error& e) {
    trawl::fuzz::expect_code(e, trawl::ErrorKind::input);
  }
  return 0;
}
