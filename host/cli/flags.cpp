#include <array>
#include <string_view>
#include <utility>

#include "host/cli/command_line.hpp"

namespace trawl::cli {
namespace {

// Each option the library's messages name, by its field, and the flag that sets it.
constexpr std::array<std::pair<std::string_view, std::string_view>, 22> flag_of_field{{
    {"set ScanOptions::force", "use --force"},
    {"ScanOptions::backend", "--backend"},
    {"ScanOptions::block_size", "--block-size"},
    {"ScanOptions::page_size", "--page-size"},
    {"ScanOptions::margin", "--margin"},
    {"ScanOptions::buffers", "--buffers"},
    {"ScanOptions::sector_size", "--sector-size"},
    {"ImageJob::range", "--range"},
    {"CarveOptions::types", "--carve"},
    {"CarveOptions::align", "--carve-align"},
    {"CarveOptions::max_gap", "--max-gap"},
    {"IdentifierOptions::types", "--find"},
    {"KnownOptions::block_db", "--known-blocks"},
    {"KnownOptions::block_step", "--block-step"},
    {"KnownOptions::hash_sets", "--hashset"},
    {"KnownOptions::skip_known_good", "--skip-known-good"},
    {"BlockDbBuildOptions::algorithm", "--hash"},
    {"BlockDbBuildOptions::block_size", "--block-size"},
    {"BlockDbBuildOptions::max_files", "--max-files"},
    {"BlockDbBuildOptions::min_entropy", "--min-entropy"},
    {"HashSetInput::label", "--label"},
    {"HashSetInput::format", "--format"},
}};

}  // namespace

std::string in_flag_terms(std::string message) {
  for (const auto& [field, flag] : flag_of_field) {
    for (auto at = message.find(field); at != std::string::npos; at = message.find(field, at + flag.size()))
      message.replace(at, field.size(), flag);
  }
  return message;
}

}  // namespace trawl::cli
