// Rule packs: what the identifier scanner looks for, as data. The built-in pack is
// rules/builtin.rules (compiled into the library); users add theirs with --rules FILE.
// The format is documented in rules/README.md.
#pragma once

#include <string>
#include <vector>

namespace trawl::detail {

enum class Validator { none, phone, email, url, luhn, iban, uuid };
// token: letters, digits and the characters that glue tokens in paths and URLs (/ _ = & % # @ \);
// glue: the same without letters (a database record may put a name right before a number).
enum class Boundary { none, digit, alnum, word, token, glue };
enum class Trigger { none, digits, at, scheme, uuid };  // what the GPU prefilter must see in every match

struct Rule {
  std::string name;                  // unique, e.g. "phone-international"
  std::string type;                  // feature file and histogram name, e.g. "phone"
  std::vector<std::string> patterns; // alternatives, in the language of pattern.hpp
  bool ascii = true;                 // ASCII / UTF-8
  bool utf16le = true;
  bool utf16be = true;
  bool fullwidth = false;            // also full-width forms of the ASCII characters
  bool caseless = false;
  Validator validator = Validator::none;
  Boundary boundary = Boundary::none;  // class that must not touch the match on its left
  Boundary boundary_right = Boundary::none;  // ... and on its right (`boundary` sets both)
  unsigned max_length = 0;           // characters; required when a pattern is unbounded
  Trigger trigger = Trigger::none;
  std::string extract;               // ECMAScript regex; group 1 (or the whole match) is the feature
  std::vector<std::string> regions;  // phone: only these regions (within --regions); empty = all
  // extend_left = CLASS MAX: the match also takes the run of up to MAX characters of CLASS just
  // before it (at least one); a longer run is no match. Keeps Hyperscan patterns anchored on a
  // rare character (the '@' of an address) instead of tracking every possible start.
  std::string extend_class;
  unsigned extend_max = 0;
  std::string source;                // "file:line" where the rule starts, for messages
};

// Parses a rule pack; throws Error(options) "FILE:LINE: reason".
std::vector<Rule> parse_rule_pack(const std::string& text, const std::string& name);
std::vector<Rule> builtin_rules();
std::vector<Rule> load_rule_file(const std::string& path);

}  // namespace trawl::detail
