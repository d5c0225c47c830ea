// libFuzzer target: the rule-file parser (host/scanners/rule_pack.cpp) and the pattern language
// of its rules (host/scanners/pattern.cpp) on arbitrary text. A rule file is user input, possibly
// from someone else; a bad one must end in Error(options) with its line (a bad pattern in
// std::invalid_argument, which the scanner turns into one), never a crash, a hang or a
// sanitizer report.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "host/scanners/pattern.hpp"
#include "host/scanners/rule_pack.hpp"
#include "trawl/trawl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto rules = trawl::detail::parse_rule_pack(text, "fuzz.rules");
    for (const auto& rule : rules) {
      if (rule.name.empty()) __builtin_trap();  // a parsed rule always has a name
      for (const auto& pattern : rule.patterns) {
        try {
          auto node = trawl::detail::parse_pattern(pattern, rule.caseless);
          trawl::detail::max_characters(*node);
          for (auto encoding : {trawl::detail::Encoding::ascii, trawl::detail::Encoding::utf16le})
            for (bool fullwidth : {false, true}) trawl::detail::emit_hyperscan(*node, {encoding, fullwidth});
        } catch (const std::invalid_argument&) {
        }
      }
    }
  } catch (const trawl::Error&) {
  }
  return 0;
}
