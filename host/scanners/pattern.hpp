// Rule patterns: a small regular-expression language, parsed once and emitted as Hyperscan
// expressions for each encoding that a rule is searched in (ASCII/UTF-8, UTF-16LE) with or
// without full-width forms (U+FF01–U+FF5E, U+3000) of its ASCII characters.
//
// Supported: literals, escapes (\d \w \s \xHH and escaped punctuation), classes [a-z0-9._-]
// and negated classes [^...], '.', groups (...) and (?:...), alternation |, quantifiers
// ? * + {m} {m,} {m,n}. Negated classes and '.' match single bytes (ASCII) or ASCII code units
// (UTF-16LE) only. Nothing else (anchors, lookaround, backreferences) is accepted.
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace trawl::detail {

// How a rule's characters are written: ASCII (and UTF-8), or UTF-16 in either byte order (binary
// plists store non-ASCII strings as UTF-16BE).
enum class Encoding { ascii, utf16le, utf16be };
inline bool is_utf16(Encoding e) { return e != Encoding::ascii; }
std::string_view to_string(Encoding e);

struct PatternNode;
using PatternPtr = std::unique_ptr<PatternNode>;

struct PatternNode {
  enum class Kind { set, concat, alternation, repeat } kind = Kind::set;
  std::bitset<256> set;     // Kind::set: the byte values (ASCII characters) it matches
  bool negated = false;     // Kind::set written as [^...] or '.'
  std::vector<PatternPtr> children;
  unsigned min = 1, max = 1;  // Kind::repeat; max == unbounded for *, + and {m,}
  static constexpr unsigned unbounded = ~0u;
};

// Parses a pattern; throws std::invalid_argument with the position and reason.
PatternPtr parse_pattern(std::string_view pattern, bool caseless);

struct EmitOptions {
  Encoding encoding = Encoding::ascii;
  bool fullwidth = false;  // also match full-width forms of each ASCII character
};

// The Hyperscan expression (bytes as \xHH) for one encoding.
std::string emit_hyperscan(const PatternNode& pattern, const EmitOptions& options);

// Longest match in characters, or PatternNode::unbounded.
unsigned max_characters(const PatternNode& pattern);

// The (ASCII) characters a match can begin with; whether the pattern can match nothing.
std::bitset<256> first_characters(const PatternNode& pattern);
bool matches_empty(const PatternNode& pattern);

// Bytes one character takes at most in that encoding.
inline unsigned max_char_bytes(const EmitOptions& o) {
  if (is_utf16(o.encoding)) return 2;
  return o.fullwidth ? 3 : 1;
}

}  // namespace trawl::detail
