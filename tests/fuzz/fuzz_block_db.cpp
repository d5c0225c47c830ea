// libFuzzer target: the block-hash database reader (host/known/block_db.cpp, `--known-blocks
// KNOWN.tdb`). A database is mapped and its indexes are trusted after open() has checked them
// once; a damaged or forged one must end in Error(input), and one that opens must keep every
// index the lookups follow inside its own bytes.
#include <cstdint>
#include <cstdlib>

#include "host/known/block_db.hpp"
#include "tests/fuzz/fuzz_files.hpp"
#include "trawl/trawl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const trawl::fuzz::FuzzDir dir("block-db");
  const auto path = dir.write("known.tdb", data, size);
  try {
    const trawl::detail::BlockDb db(path);
    const auto digests = db.digests();
    const std::uint32_t ds = db.digest_size();
    if (digests.size() != db.digest_count() * ds) std::abort();
    // Bounded walks: enough for every branch, not a cost that grows with a forged count.
    for (std::uint64_t d = 0; d < db.digest_count() && d < 1024; ++d) {
      const auto* digest = reinterpret_cast<const unsigned char*>(digests.data() + d * ds);
      if (db.find({digest, ds}) != static_cast<std::int64_t>(d)) std::abort();  // sorted and unique
      for (const auto& p : db.postings(d)) {
        if (p.file >= db.files().size()) std::abort();
        const auto& f = db.files()[p.file];
        if (p.block >= f.blocks || db.file_block(f, p.block) >= db.digest_count()) std::abort();
      }
      (void)db.probative(d);
    }
    std::uint64_t blocks = 0;
    for (const auto& f : db.files()) {
      (void)db.file_name(f).size();
      for (std::uint32_t b = 0; b < f.blocks && blocks < 4096; ++b, ++blocks)
        if (db.file_block(f, b) >= db.digest_count()) std::abort();
    }
  } catch (const trawl::Error& e) {
    trawl::fuzz::expect_code(e, trawl::ErrorKind::input);
  }
  return 0;
}
