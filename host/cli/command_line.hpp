// The command line of a `trawl` subcommand (Boost.Program_options): its options and one hidden
// positional option.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace trawl::cli {

// A library message in the command line's terms: the library names an option by its field
// ("ScanOptions::page_size must be ..."), the command line by its flag ("--page-size must be ...").
std::string in_flag_terms(std::string message);

// Parses `args` against `desc` plus the positional option `positional_name` (hidden from --help),
// which takes `count` words (-1: every word left) into `value`. Throws boost::program_options::error
// on an unknown option or a bad value (main prints it with "see trawl --help").
template <class T>
boost::program_options::variables_map parse_command_line(const std::vector<std::string>& args,
                                                         const boost::program_options::options_description& desc,
                                                         const char* positional_name, int count, T* value) {
  namespace po = boost::program_options;
  po::options_description hidden;
  hidden.add_options()(positional_name, po::value(value));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add(positional_name, count);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  return vm;
}

}  // namespace trawl::cli
