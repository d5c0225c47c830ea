// libFuzzer target: `trawl hashset import` (host/known/hash_set.cpp) on one input file: NSRL
// RDSv3 (SQLite), RDS 2.x (NSRLFile.txt), hashdeep and *sum lists. Hash sets are downloaded or
// handed over by other labs: a bad one must end in Error(input), never a crash. What an import
// writes must open again as a store in which every digest it holds is found.
//
// Input: one byte that picks the format (auto, rds3, rds2, hashdeep, sum: the byte mod 5), then
// the file's bytes.
#include <cstdint>
#include <cstdlib>

#include "host/known/hash_set.hpp"
#include "tests/fuzz/fuzz_files.hpp"
#include "tests/fuzz/fuzz_hash_set_check.hpp"
#include "trawl/trawl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const trawl::fuzz::FuzzDir dir("hashset-import");
  if (size == 0) return 0;
  static const char* const formats[] = {"auto", "rds3", "rds2", "hashdeep", "sum"};
  trawl::detail::HashSetInput input;
  input.format = formats[data[0] % 5];
  input.file = dir.write("input", data + 1, size - 1);
  input.name = "fuzz";
  const auto output = dir.path() / "store.ths";
  trawl::detail::HashSetImportReport report;
  try {
    report = trawl::detail::import_hash_sets({input}, output);
  } catch (const trawl::Error& e) {
    trawl::fuzz::expect_code(e, trawl::ErrorKind::input);
    return 0;
  }
  if (report.rows == 0 || report.formats.size() != 1) std::abort();
  // What the import wrote must open (no Error is expected here) and hold what it reported.
  try {
    const trawl::detail::HashSet store(output);
    if (store.set_count() != 1 || store.count(0) != report.md5 || store.count(1) != report.sha1 ||
        store.count(2) != report.sha256)
      std::abort();
    trawl::fuzz::check_hash_set(output);
  } catch (const trawl::Error&) {
    std::abort();
  }
  return 0;
}
