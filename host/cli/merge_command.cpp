// `trawl merge PART... -o OUT`: the output folders of range runs of one image joined into the
// folder a whole-image run would have written (host/merge/merge.hpp).
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "host/cli/command_line.hpp"
#include "host/cli/commands.hpp"
#include "host/merge/merge.hpp"
#include "trawl/trawl.hpp"

namespace po = boost::program_options;

namespace trawl::cli {

int run_merge(const std::vector<std::string>& args) {
  std::vector<std::string> parts;
  std::string output, hashes;
  bool force = false, quiet = false;
  po::options_description desc("trawl merge PART... -o OUTDIR");
  desc.add_options()
      ("help,h", "this help")
      ("output,o", po::value(&output), "the joined output folder (created; must be empty unless --force)")
      ("hashes", po::value(&hashes), "take the image hashes from this whole-image scan's folder (a hash-only run beside the parts)")
      ("force", po::bool_switch(&force), "write into an output folder that is not empty")
      ("quiet,q", po::bool_switch(&quiet), "print nothing");
  const auto vm = parse_command_line(args, desc, "part", -1, &parts);
  if (vm.count("help")) {
    std::cout << desc
              << "\nJoins the output folders of `trawl scan --range` runs of one image (any order) into the\n"
                 "folder the whole image's run writes: blocks, features, carved files, summary (no image\n"
                 "hashes: a range run computes none).\n"
                 "Example:\n  trawl scan disk.raw --range 0:64G -o p0 ; trawl scan disk.raw --range 64G:0 -o p1\n"
                 "  trawl merge p0 p1 -o out\n";
    return 0;
  }
  if (parts.empty()) throw Error(ErrorKind::options, "merge: no PART folders given (see trawl merge --help)");
  if (output.empty()) throw Error(ErrorKind::options, "merge: no output folder given (-o OUTDIR)");
  std::vector<std::filesystem::path> folders(parts.begin(), parts.end());
  auto report = detail::merge_ranges(folders, output, force, hashes);
  if (!quiet)
    std::printf("merged    %zu parts of %llu bytes: %llu features, %llu carved files -> %s\n", report.parts,
                static_cast<unsigned long long>(report.image_size), static_cast<unsigned long long>(report.features),
                static_cast<unsigned long long>(report.carved), output.c_str());
  return 0;
}

}  // namespace trawl::cli
