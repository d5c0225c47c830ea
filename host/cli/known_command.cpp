#include "host/cli/known_command.hpp"

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "host/cli/command_line.hpp"
#include "host/hashing/algorithms.hpp"
#include "host/known/block_db.hpp"
#include "host/known/hash_set.hpp"
#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace po = boost::program_options;

namespace trawl::cli {

int run_hashset(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "import") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << "trawl hashset import FILE... -o STORE.ths [--set NAME] [--label known-good|known-bad|custom]\n";
      return 0;
    }
    throw Error(ErrorKind::options, "hashset: the only subcommand is 'import' (see trawl hashset import --help)");
  }
  std::vector<std::string> files;
  std::string output, set, label = "known-good", format = "auto";
  po::options_description desc("trawl hashset import FILE... -o STORE.ths [options]");
  desc.add_options()
      ("help,h", "this help")
      ("output,o", po::value(&output), "the store to write (replaced atomically)")
      ("set", po::value(&set), "the set's name (default: each input's file name without extension)")
      ("label", po::value(&label), "known-good (default), known-bad or custom")
      ("format", po::value(&format), "auto (default), rds3 (NSRL SQLite), rds2 (NSRLFile.txt), hashdeep or sum");
  const auto vm = parse_command_line({args.begin() + 1, args.end()}, desc, "file", -1, &files);
  if (vm.count("help")) {
    std::cout << desc
              << "\nReads NSRL RDSv3 (SQLite, FILE table), NSRL RDS 2.x (NSRLFile.txt), hashdeep lists and\n"
                 "md5sum/sha1sum/sha256sum lists (plain or --tag) into one sorted, memory-mapped store.\n"
                 "Example:\n  trawl hashset import RDS_minimal.db -o nsrl.ths\n"
                 "  trawl hashset import bad.hashdeep -o bad.ths --label known-bad\n"
                 "  trawl scan disk.raw -o out/ --hashset nsrl.ths --hashset bad.ths --skip-known-good\n";
    return 0;
  }
  if (files.empty()) throw Error(ErrorKind::options, "hashset import: no FILE given");
  if (output.empty()) throw Error(ErrorKind::options, "hashset import: no output store given (-o STORE.ths)");
  std::vector<detail::HashSetInput> inputs;
  for (const auto& f : files) inputs.push_back({f, format, set, detail::parse_label(label)});
  const auto report = detail::import_hash_sets(inputs, output);
  std::printf("imported %llu files: %llu md5, %llu sha1, %llu sha256 entries -> %s\n",
              static_cast<unsigned long long>(report.rows), static_cast<unsigned long long>(report.md5),
              static_cast<unsigned long long>(report.sha1), static_cast<unsigned long long>(report.sha256), output.c_str());
  return 0;
}

int run_hashdb(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "build") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << "trawl hashdb build FILE|DIR... -o KNOWN.tdb [--block-size 4096]\n";
      return 0;
    }
    throw Error(ErrorKind::options, "hashdb: the only subcommand is 'build' (see trawl hashdb build --help)");
  }
  std::vector<std::string> inputs;
  std::string output, block_size = "4096", hash = "sha256";
  detail::BlockDbBuildOptions options;
  po::options_description desc("trawl hashdb build FILE|DIR... -o KNOWN.tdb [options]");
  desc.add_options()
      ("help,h", "this help")
      ("output,o", po::value(&output), "the database to write (replaced atomically)")
      ("block-size", po::value(&block_size), "bytes per block, a power of two >= 512 (default 4096)")
      ("hash", po::value(&hash), "md5, sha1 or sha256 (default sha256)")
      ("max-files", po::value(&options.max_files), "a block in more files than this is common, not probative (default 8)")
      ("min-entropy", po::value(&options.min_entropy), "blocks below this many bits per byte are not probative (default 3.0)");
  const auto vm = parse_command_line({args.begin() + 1, args.end()}, desc, "input", -1, &inputs);
  if (vm.count("help")) {
    std::cout << desc
              << "\nHashes every whole block of every file (folders are walked recursively). Blocks that prove\n"
                 "nothing (zeros, one repeated byte, low entropy, shared by many files) are marked and never\n"
                 "reported alone. Example:\n  trawl hashdb build cases/known/ -o known.tdb\n"
                 "  trawl scan disk.raw -o out/ --known-blocks known.tdb --block-step 512\n";
    return 0;
  }
  if (inputs.empty()) throw Error(ErrorKind::options, "hashdb build: no FILE or DIR given");
  if (output.empty()) throw Error(ErrorKind::options, "hashdb build: no output database given (-o KNOWN.tdb)");
  options.block_size = static_cast<std::uint32_t>(detail::parse_size(block_size, "--block-size"));
  options.algorithm = detail::block_algorithm(hash);
  std::vector<std::filesystem::path> paths(inputs.begin(), inputs.end());
  const auto r = detail::build_block_db(paths, output, options);
  std::printf("%llu files, %llu blocks, %llu distinct (%llu low-entropy, %llu common); %llu files shorter than a block skipped -> %s\n",
              static_cast<unsigned long long>(r.files), static_cast<unsigned long long>(r.blocks),
              static_cast<unsigned long long>(r.digests), static_cast<unsigned long long>(r.low_entropy),
              static_cast<unsigned long long>(r.common), static_cast<unsigned long long>(r.skipped_small), output.c_str());
  return 0;
}

}  // namespace trawl::cli
