#include "host/scanners/pattern.hpp"

#include <algorithm>

#include <cctype>
#include <cstdio>
#include <stdexcept>

namespace trawl::detail {
namespace {

class Parser {
 public:
  Parser(std::string_view text, bool caseless) : text_(text), caseless_(caseless) {}

  PatternPtr parse() {
    auto node = alternation();
    if (pos_ != text_.size()) fail("unexpected ')'");
    return node;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::invalid_argument("pattern position " + std::to_string(pos_) + ": " + why);
  }
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  PatternPtr alternation() {
    std::vector<PatternPtr> branches;
    branches.push_back(concat());
    while (!done() && peek() == '|') {
      ++pos_;
      branches.push_back(concat());
    }
    if (branches.size() == 1) return std::move(branches.front());
    auto node = std::make_unique<PatternNode>();
    node->kind = PatternNode::Kind::alternation;
    node->children = std::move(branches);
    return node;
  }

  PatternPtr concat() {
    auto node = std::make_unique<PatternNode>();
    node->kind = PatternNode::Kind::concat;
    while (!done() && peek() != '|' && peek() != ')') node->children.push_back(quantified(atom()));
    if (node->children.empty()) fail("empty branch");
    if (node->children.size() == 1) return std::move(node->children.front());
    return node;
  }

  unsigned number() {
    if (done() || !std::isdigit(static_cast<unsigned char>(peek()))) fail("number expected in {m,n}");
    unsigned value = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(peek()))) {
      value = value * 10 + static_cast<unsigned>(peek() - '0');
      if (value > 10000) fail("repeat count too large");
      ++pos_;
    }
    return value;
  }

  PatternPtr quantified(PatternPtr atom) {
    while (!done()) {
      unsigned min, max;
      char c = peek();
      if (c == '?') min = 0, max = 1;
      else if (c == '*') min = 0, max = PatternNode::unbounded;
      else if (c == '+') min = 1, max = PatternNode::unbounded;
      else if (c == '{') {
        ++pos_;
        min = number();
        max = min;
        if (!done() && peek() == ',') {
          ++pos_;
          max = !done() && peek() == '}' ? PatternNode::unbounded : number();
        }
        if (done() || peek() != '}') fail("'}' expected");
        if (max < min) fail("{m,n} with n < m");
      } else {
        break;
      }
      ++pos_;
      if (!done() && peek() == '?') fail("lazy quantifiers are not supported");
      auto node = std::make_unique<PatternNode>();
      node->kind = PatternNode::Kind::repeat;
      node->min = min;
      node->max = max;
      node->children.push_back(std::move(atom));
      atom = std::move(node);
    }
    return atom;
  }

  static std::bitset<256> class_of(char escape) {
    std::bitset<256> s;
    for (int c = 0; c < 128; ++c) {
      bool in = escape == 'd' ? std::isdigit(c) : escape == 'w' ? (std::isalnum(c) || c == '_') : std::isspace(c);
      if (in) s.set(static_cast<std::size_t>(c));
    }
    return s;
  }

  // One escaped character after '\': a class (\d \w \s) or one byte.
  std::bitset<256> escape() {
    if (done()) fail("pattern ends with '\\'");
    char c = text_[pos_++];
    if (c == 'd' || c == 'w' || c == 's') return class_of(c);
    std::bitset<256> s;
    if (c == 'x') {
      if (pos_ + 2 > text_.size()) fail("\\x needs two hex digits");
      unsigned value = 0;
      for (int i = 0; i < 2; ++i) {
        char h = text_[pos_++];
        if (!std::isxdigit(static_cast<unsigned char>(h))) fail("\\x needs two hex digits");
        value = value * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : std::tolower(h) - 'a' + 10);
      }
      s.set(value);
      return s;
    }
    if (c == 't') return s.set('\t'), s;
    if (c == 'n') return s.set('\n'), s;
    if (c == 'r') return s.set('\r'), s;
    if (std::isalnum(static_cast<unsigned char>(c))) fail(std::string("unsupported escape \\") + c);
    s.set(static_cast<unsigned char>(c));
    return s;
  }

  void fold_case(std::bitset<256>& s) const {
    if (!caseless_) return;
    for (int c = 'a'; c <= 'z'; ++c)
      if (s.test(static_cast<std::size_t>(c)) || s.test(static_cast<std::size_t>(c - 32))) {
        s.set(static_cast<std::size_t>(c));
        s.set(static_cast<std::size_t>(c - 32));
      }
  }

  PatternPtr atom() {
    auto node = std::make_unique<PatternNode>();
    char c = text_[pos_++];
    if (c == '(') {
      if (text_.substr(pos_, 2) == "?:") pos_ += 2;
      else if (!done() && peek() == '?') fail("only (...) and (?:...) groups are supported");
      auto inner = alternation();
      if (done() || peek() != ')') fail("')' expected");
      ++pos_;
      return inner;
    }
    if (c == '[') {
      if (!done() && peek() == '^') {
        node->negated = true;
        ++pos_;
      }
      bool first = true;
      while (!done() && (peek() != ']' || first)) {
        first = false;
        std::bitset<256> item;
        int low = -1;
        if (peek() == '\\') {
          ++pos_;
          item = escape();
          if (item.count() == 1) low = static_cast<int>(item._Find_first());
        } else {
          low = static_cast<unsigned char>(text_[pos_++]);
          item.set(static_cast<std::size_t>(low));
        }
        if (low >= 0 && pos_ + 1 < text_.size() && peek() == '-' && text_[pos_ + 1] != ']') {
          ++pos_;
          int high;
          if (peek() == '\\') {
            ++pos_;
            auto h = escape();
            if (h.count() != 1) fail("class range ends in a class");
            high = static_cast<int>(h._Find_first());
          } else {
            high = static_cast<unsigned char>(text_[pos_++]);
          }
          if (high < low) fail("reversed class range");
          for (int v = low; v <= high; ++v) item.set(static_cast<std::size_t>(v));
        }
        node->set |= item;
      }
      if (done()) fail("']' expected");
      ++pos_;
      fold_case(node->set);
      return node;
    }
    if (c == '.') {
      node->negated = true;
      node->set.set('\n');
      return node;
    }
    if (c == '\\') {
      node->set = escape();
      fold_case(node->set);
      return node;
    }
    if (c == '^' || c == '$') fail("anchors are not supported");
    if (c == '*' || c == '+' || c == '?' || c == '{') fail(std::string("nothing to repeat before '") + c + "'");
    node->set.set(static_cast<unsigned char>(c));
    fold_case(node->set);
    return node;
  }

  std::string_view text_;
  bool caseless_;
  std::size_t pos_ = 0;
};

std::string hex_byte(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "\\x%02X", value & 0xff);
  return text;
}

// [\x..\x..] listing the set's bytes as ranges; an empty set never matches anything.
std::string byte_class(const std::bitset<256>& set, bool negated = false) {
  std::string out = negated ? "[^" : "[";
  for (unsigned v = 0; v < 256;) {
    if (!set.test(v)) {
      ++v;
      continue;
    }
    unsigned end = v;
    while (end + 1 < 256 && set.test(end + 1)) ++end;
    out += hex_byte(v);
    if (end > v) out += "-" + hex_byte(end);
    v = end + 1;
  }
  return out + "]";
}

// A set of ASCII characters as bytes. The full-width form of a pattern writes letters and
// digits full-width only (U+FF01 + (c - 0x21)) and lets punctuation and the space be either
// ASCII or full-width (U+3000 for the space), as texts written to dodge filters do.
std::string emit_set(const PatternNode& n, const EmitOptions& o) {
  const bool utf16 = is_utf16(o.encoding);
  // A UTF-16 unit: the low byte, then the high one (LE), or the other way round (BE).
  auto unit = [&](const std::string& low, const std::string& high) {
    return o.encoding == Encoding::utf16be ? high + low : low + high;
  };
  if (n.negated) {
    std::string ascii = byte_class(n.set, true);
    return utf16 ? "(?:" + unit(ascii, "\\x00") + ")" : ascii;
  }
  std::bitset<256> narrow = n.set, wide_bc, wide_bd, wide16;
  bool wide_space = false;
  if (o.fullwidth) {
    for (unsigned c = 0x21; c <= 0x7e; ++c) {
      if (!n.set.test(c)) continue;
      if (std::isalnum(static_cast<int>(c))) narrow.reset(c);
      unsigned code = 0xff01 + (c - 0x21);
      wide16.set(code & 0xff);                                  // UTF-16: the low byte, with 0xFF as the high one
      if (code <= 0xff3f) wide_bc.set(0x80 + (code - 0xff00));  // UTF-8: EF BC 81..BF
      else wide_bd.set(0x80 + (code - 0xff40));                  // UTF-8: EF BD 80..9E
    }
    wide_space = n.set.test(' ');
  }
  std::vector<std::string> branches;
  if (narrow.any()) branches.push_back(utf16 ? unit(byte_class(narrow), "\\x00") : byte_class(narrow));
  if (utf16) {
    if (wide16.any()) branches.push_back(unit(byte_class(wide16), "\\xFF"));
    if (wide_space) branches.push_back(unit("\\x00", "\\x30"));
  } else {
    if (wide_bc.any()) branches.push_back("\\xEF\\xBC" + byte_class(wide_bc));
    if (wide_bd.any()) branches.push_back("\\xEF\\xBD" + byte_class(wide_bd));
    if (wide_space) branches.push_back("\\xE3\\x80\\x80");
  }
  if (branches.size() == 1 && !utf16) return branches.front();
  std::string out = "(?:";
  for (std::size_t i = 0; i < branches.size(); ++i) out += (i ? "|" : "") + branches[i];
  return out + ")";
}

}  // namespace

std::string_view to_string(Encoding e) {
  switch (e) {
    case Encoding::ascii: return "ascii";
    case Encoding::utf16le: return "utf16le";
    case Encoding::utf16be: return "utf16be";
  }
  return "?";
}

PatternPtr parse_pattern(std::string_view pattern, bool caseless) {
  if (pattern.empty()) throw std::invalid_argument("empty pattern");
  return Parser(pattern, caseless).parse();
}

std::string emit_hyperscan(const PatternNode& n, const EmitOptions& o) {
  switch (n.kind) {
    case PatternNode::Kind::set:
      return emit_set(n, o);
    case PatternNode::Kind::concat: {
      std::string out;
      for (const auto& c : n.children) out += emit_hyperscan(*c, o);
      return out;
    }
    case PatternNode::Kind::alternation: {
      std::string out = "(?:";
      for (std::size_t i = 0; i < n.children.size(); ++i) out += (i ? "|" : "") + emit_hyperscan(*n.children[i], o);
      return out + ")";
    }
    case PatternNode::Kind::repeat: {
      std::string out = "(?:" + emit_hyperscan(*n.children.front(), o) + ")";
      if (n.min == 0 && n.max == 1) return out + "?";
      if (n.min == 0 && n.max == PatternNode::unbounded) return out + "*";
      if (n.min == 1 && n.max == PatternNode::unbounded) return out + "+";
      out += "{" + std::to_string(n.min);
      if (n.max == PatternNode::unbounded) return out + ",}";
      if (n.max != n.min) out += "," + std::to_string(n.max);
      return out + "}";
    }
  }
  return {};
}

bool matches_empty(const PatternNode& n) {
  switch (n.kind) {
    case PatternNode::Kind::set:
      return false;
    case PatternNode::Kind::concat:
      return std::all_of(n.children.begin(), n.children.end(), [](const auto& c) { return matches_empty(*c); });
    case PatternNode::Kind::alternation:
      return std::any_of(n.children.begin(), n.children.end(), [](const auto& c) { return matches_empty(*c); });
    case PatternNode::Kind::repeat:
      return n.min == 0 || matches_empty(*n.children.front());
  }
  return true;
}

std::bitset<256> first_characters(const PatternNode& n) {
  std::bitset<256> first;
  switch (n.kind) {
    case PatternNode::Kind::set:
      return n.negated ? ~n.set : n.set;
    case PatternNode::Kind::concat:
      for (const auto& c : n.children) {
        first |= first_characters(*c);
        if (!matches_empty(*c)) break;
      }
      return first;
    case PatternNode::Kind::alternation:
      for (const auto& c : n.children) first |= first_characters(*c);
      return first;
    case PatternNode::Kind::repeat:
      return first_characters(*n.children.front());
  }
  return ~first;
}

unsigned max_characters(const PatternNode& n) {
  constexpr auto inf = PatternNode::unbounded;
  switch (n.kind) {
    case PatternNode::Kind::set:
      return 1;
    case PatternNode::Kind::concat: {
      unsigned total = 0;
      for (const auto& c : n.children) {
        unsigned m = max_characters(*c);
        if (m == inf) return inf;
        total += m;
      }
      return total;
    }
    case PatternNode::Kind::alternation: {
      unsigned most = 0;
      for (const auto& c : n.children) most = std::max(most, max_characters(*c));
      return most;
    }
    case PatternNode::Kind::repeat: {
      unsigned m = max_characters(*n.children.front());
      if (m == inf || n.max == inf) return inf;
      return m * n.max;
    }
  }
  return inf;
}

}  // namespace trawl::detail
