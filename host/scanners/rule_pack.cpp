#include "host/scanners/rule_pack.hpp"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "host/util/text.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

extern const char* const builtin_rules_text;  // generated from rules/builtin.rules

namespace {

std::string trim(std::string s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

template <typename E>
E pick(const std::string& value, const std::map<std::string, E>& choices, const std::string& where, const std::string& key) {
  auto it = choices.find(value);
  if (it != choices.end()) return it->second;
  std::string names;
  for (const auto& [n, _] : choices) names += (names.empty() ? "" : ", ") + n;
  throw Error(ErrorKind::options, where + ": unknown " + key + " '" + value + "' (choose " + names + ")");
}

bool yes_no(const std::string& value, const std::string& where, const std::string& key) {
  if (value == "yes" || value == "true") return true;
  if (value == "no" || value == "false") return false;
  throw Error(ErrorKind::options, where + ": " + key + " must be yes or no");
}

}  // namespace

std::vector<Rule> parse_rule_pack(const std::string& text, const std::string& name) {
  std::vector<Rule> rules;
  std::set<std::string> names;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::string where = name + ":" + std::to_string(number);
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']') throw Error(ErrorKind::options, where + ": a rule header is [name]");
      Rule rule;
      rule.name = trim(line.substr(1, line.size() - 2));
      rule.source = where;
      if (rule.name.empty() || !names.insert(rule.name).second)
        throw Error(ErrorKind::options, where + ": rule name empty or used twice: '" + rule.name + "'");
      rules.push_back(rule);
      continue;
    }
    auto equals = line.find('=');
    if (equals == std::string::npos) throw Error(ErrorKind::options, where + ": expected 'key = value'");
    if (rules.empty()) throw Error(ErrorKind::options, where + ": 'key = value' before the first [rule]");
    std::string key = trim(line.substr(0, equals));
    std::string value = trim(line.substr(equals + 1));
    Rule& r = rules.back();
    if (key == "type") r.type = value;
    else if (key == "pattern") r.patterns.push_back(value);
    else if (key == "encodings") {
      r.ascii = r.utf16le = r.utf16be = false;
      std::istringstream words(value);
      for (std::string w; words >> w;) {
        if (w == "ascii" || w == "utf8") r.ascii = true;
        else if (w == "utf16le") r.utf16le = true;
        else if (w == "utf16be") r.utf16be = true;
        else throw Error(ErrorKind::options, where + ": unknown encoding '" + w + "' (ascii, utf16le, utf16be)");
      }
    } else if (key == "fullwidth") r.fullwidth = yes_no(value, where, key);
    else if (key == "caseless") r.caseless = yes_no(value, where, key);
    else if (key == "validate")
      r.validator = pick<Validator>(value, {{"none", Validator::none}, {"phone", Validator::phone}, {"email", Validator::email},
                                            {"url", Validator::url}, {"luhn", Validator::luhn}, {"iban", Validator::iban},
                                            {"uuid", Validator::uuid}}, where, key);
    else if (key == "boundary" || key == "boundary_right") {
      Boundary b = pick<Boundary>(value, {{"none", Boundary::none}, {"digit", Boundary::digit}, {"alnum", Boundary::alnum},
                                          {"word", Boundary::word}, {"token", Boundary::token}, {"glue", Boundary::glue}}, where, key);
      r.boundary_right = b;  // `boundary` sets both sides; a later boundary_right overrides the right
      if (key == "boundary") r.boundary = b;
    } else if (key == "prefilter")
      r.trigger = pick<Trigger>(value, {{"none", Trigger::none}, {"digits", Trigger::digits}, {"at", Trigger::at},
                                        {"scheme", Trigger::scheme}, {"uuid", Trigger::uuid}}, where, key);
    else if (key == "max_length") {
      try {
        r.max_length = static_cast<unsigned>(std::stoul(value));
      } catch (...) {
        throw Error(ErrorKind::options, where + ": max_length must be a number");
      }
      if (r.max_length == 0 || r.max_length > 4096) throw Error(ErrorKind::options, where + ": max_length must be 1..4096");
    } else if (key == "extract") r.extract = value;
    else if (key == "extend_left") {
      auto space = value.find_last_of(' ');
      try {
        r.extend_max = space == std::string::npos ? 0 : static_cast<unsigned>(std::stoul(value.substr(space + 1)));
      } catch (...) {
      }
      r.extend_class = trim(value.substr(0, space == std::string::npos ? 0 : space));
      if (r.extend_class.empty() || r.extend_max == 0 || r.extend_max > 1024)
        throw Error(ErrorKind::options, where + ": extend_left is 'CLASS MAX', e.g. '[a-z0-9.] 64'");
    } else if (key == "regions") {
      std::istringstream words(value);
      for (std::string w; words >> w;) r.regions.push_back(w);
    } else throw Error(ErrorKind::options, where + ": unknown key '" + key + "'");
  }
  for (const auto& r : rules) {
    if (r.type.empty()) throw Error(ErrorKind::options, r.source + ": rule '" + r.name + "' has no type");
    if (r.patterns.empty()) throw Error(ErrorKind::options, r.source + ": rule '" + r.name + "' has no pattern");
    if (!r.ascii && !r.utf16le && !r.utf16be)
      throw Error(ErrorKind::options, r.source + ": rule '" + r.name + "' has no encoding");
    for (char c : r.type)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
        throw Error(ErrorKind::options, r.source + ": type '" + r.type + "' must be letters, digits, _ or -");
  }
  return rules;
}

std::vector<Rule> builtin_rules() { return parse_rule_pack(builtin_rules_text, "builtin.rules"); }

std::vector<Rule> load_rule_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::input, "cannot open rule file " + in_quotes(path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_rule_pack(text.str(), path);
}

}  // namespace trawl::detail
