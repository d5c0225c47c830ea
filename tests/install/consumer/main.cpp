// A program that embeds trawl through its installed package: prints the image's SHA-256.
#include <trawl/trawl.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    auto source = trawl::open_source(argv[1]);
    trawl::ScanOptions options;
    options.image_hashes = {"sha256"};
    options.block_hashes = {};
    auto report = trawl::scan(*source, options);
    std::printf("%s\n", report.image_hashes.at(0).hex.c_str());
    return static_cast<int>(report.exit_code());
  } catch (const trawl::Error& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return static_cast<int>(trawl::exit_code_of(e.kind()));
  }
}
