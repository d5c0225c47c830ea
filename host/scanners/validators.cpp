#include "host/scanners/validators.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <unordered_map>

namespace trawl::detail {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string type_name(PhoneNumberUtil::PhoneNumberType t) {
  switch (t) {
    case PhoneNumberUtil::FIXED_LINE: return "fixed";
    case PhoneNumberUtil::MOBILE: return "mobile";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return "fixed_or_mobile";
    case PhoneNumberUtil::TOLL_FREE: return "toll_free";
    case PhoneNumberUtil::PREMIUM_RATE: return "premium_rate";
    case PhoneNumberUtil::SHARED_COST: return "shared_cost";
    case PhoneNumberUtil::VOIP: return "voip";
    case PhoneNumberUtil::PERSONAL_NUMBER: return "personal";
    case PhoneNumberUtil::PAGER: return "pager";
    case PhoneNumberUtil::UAN: return "uan";
    case PhoneNumberUtil::VOICEMAIL: return "voicemail";
    default: return "unknown";
  }
}

// Characters of an e-mail address's domain label, and the label rules of RFC 1035.
bool valid_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  std::size_t start = 0;
  std::string_view tld;
  while (true) {
    auto dot = domain.find('.', start);
    auto label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    tld = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (domain.find('.') == std::string_view::npos) return false;
  return tld.size() >= 2 && std::all_of(tld.begin(), tld.end(), [](unsigned char c) { return std::isalpha(c); });
}

// IBAN length per country (SWIFT IBAN registry).
const std::map<std::string, unsigned, std::less<>>& iban_lengths() {
  static const std::map<std::string, unsigned, std::less<>> table{
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
      {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28},
      {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
      {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
      {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
      {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18},
      {"NO", 15}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24},
      {"SC", 31}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
      {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}};
  return table;
}

std::string host_of(std::string_view text) {
  auto scheme = text.find("://");
  auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
  auto end = text.find_first_of("/:?#", start);
  std::string host = lower(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
  for (std::string_view prefix : {"www.", "m."})
    if (host.rfind(prefix, 0) == 0) host.erase(0, prefix.size());
  return host;
}

}  // namespace

std::vector<std::string> default_regions() {
  return {"DE", "FR", "IT", "ES", "PL", "RO", "NL", "BE", "CZ", "SE", "PT", "GR", "HU", "AT", "BG", "DK",
          "FI", "SK", "IE", "HR", "LT", "SI", "LV", "EE", "CY", "LU", "MT", "CH", "NO", "GB", "CN", "US"};
}

bool luhn_valid(std::string_view digits) {
  if (digits.size() < 13 || digits.size() > 19) return false;
  if (std::all_of(digits.begin(), digits.end(), [&](char c) { return c == digits[0]; })) return false;
  unsigned sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, twice = !twice) {
    unsigned d = static_cast<unsigned>(*it - '0');
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 == 0;
}

bool iban_valid(std::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  auto length = iban_lengths().find(iban.substr(0, 2));
  if (length == iban_lengths().end() || length->second != iban.size()) return false;
  unsigned remainder = 0;
  auto feed = [&](char c) {
    if (std::isdigit(static_cast<unsigned char>(c))) remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
    else remainder = (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
  };
  for (char c : iban.substr(4)) feed(c);
  for (char c : iban.substr(0, 4)) feed(c);
  return remainder == 1;
}

bool us_zip_plus4(std::string_view before, std::string_view candidate) {
  if (candidate.size() != 10 || candidate[5] != '-') return false;
  for (std::size_t i = 0; i < candidate.size(); ++i)
    if (i != 5 && !std::isdigit(static_cast<unsigned char>(candidate[i]))) return false;
  // Between the code and the number: spaces, or a line break with the next line's indent and a
  // comment's continuation mark ("MA\n * 02110-1301" in a C header's licence).
  std::size_t spaces = 0;
  bool blank = false;
  while (spaces < before.size() && spaces < 12 && std::string_view(" \t\r\n*#/;").find(before[before.size() - 1 - spaces]) != std::string_view::npos) {
    blank = blank || std::isspace(static_cast<unsigned char>(before[before.size() - 1 - spaces]));
    ++spaces;
  }
  if (!blank || before.size() < spaces + 2) return false;
  const std::string_view code = before.substr(before.size() - spaces - 2, 2);
  if (before.size() > spaces + 2 && std::isalpha(static_cast<unsigned char>(before[before.size() - spaces - 3]))) return false;
  static constexpr std::string_view codes[] = {
      "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
      "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR",
      "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM",
      "AA", "AE", "AP"};
  return std::find(std::begin(codes), std::end(codes), code) != std::end(codes);
}

Validators::Validators(std::vector<std::string> regions) : regions_(std::move(regions)) {
  static std::atomic<std::uint64_t> made{0};
  id_ = ++made;
  PhoneNumberUtil::GetInstance();  // builds its metadata once, before worker threads ask for it
}

// Lengths of the digit groups as written: "06.12.34.56.78" -> 2 2 2 2 2, "(212) 555-0199" -> 3 3 4.
std::vector<std::size_t> digit_groups(std::string_view text) {
  std::vector<std::size_t> groups;
  std::size_t run = 0;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++run;
    } else if (run) {
      groups.push_back(run);
      run = 0;
    }
  }
  if (run) groups.push_back(run);
  return groups;
}

std::string card_brand(std::string_view d) {
  auto prefix = [&](std::size_t n) { return std::stoi(std::string(d.substr(0, n))); };
  const std::size_t n = d.size();
  if (n < 13) return {};
  if (d[0] == '4' && (n == 13 || n == 16 || n == 19)) return "visa";
  if (n == 16 && ((prefix(2) >= 51 && prefix(2) <= 55) || (prefix(4) >= 2221 && prefix(4) <= 2720))) return "mastercard";
  if (n == 15 && (prefix(2) == 34 || prefix(2) == 37)) return "amex";
  if (n >= 16 && (prefix(4) == 6011 || prefix(2) == 65 || (prefix(3) >= 644 && prefix(3) <= 649))) return "discover";
  if (n >= 16 && prefix(2) == 62) return "unionpay";
  if (n >= 16 && prefix(4) >= 3528 && prefix(4) <= 3589) return "jcb";
  if (n >= 14 && (prefix(2) == 36 || prefix(2) == 38 || prefix(2) == 39 || (prefix(3) >= 300 && prefix(3) <= 305))) return "diners";
  return {};
}

std::vector<std::string> Validators::regions_for(const std::vector<std::string>& only) const {
  auto named = [](const std::vector<std::string>& list, const std::string& region) {
    return std::find(list.begin(), list.end(), region) != list.end();
  };
  std::vector<std::string> regions;
  for (const auto& region : regions_)
    if (only.empty() || named(only, region)) regions.push_back(region);
  // Regions of one numbering plan (NANP's US and CA, both +1): once --regions names one, a number
  // of the plan is read in the others too, after them (a Toronto number is +1 like a Boston one).
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const bool one_plan = only.size() > 1 && std::all_of(only.begin(), only.end(), [&](const std::string& r) {
                          return util.GetCountryCodeForRegion(r) == util.GetCountryCodeForRegion(only.front());
                        });
  if (one_plan && !regions.empty())
    for (const auto& region : only)
      if (!named(regions, region)) regions.push_back(region);
  return regions;
}

Validation Validators::phone(std::string_view text, const std::vector<std::string>& only) const {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  Validation v;
  std::string number(text);
  // "00" is the international prefix in the regions trawl looks at by default.
  auto first = number.find_first_not_of(" (");
  if (first != std::string::npos && number.compare(first, 2, "00") == 0) number.replace(first, 2, "+");
  auto finish = [&](const PhoneNumber& n) {
    util.Format(n, PhoneNumberUtil::E164, &v.normalised);
    util.GetRegionCodeForNumber(n, &v.region);
    v.number_type = type_name(util.GetNumberType(n));
    v.valid = true;
  };
  PhoneNumber n;
  if (number.find('+') != std::string::npos) {
    if (util.Parse(number, "ZZ", &n) == PhoneNumberUtil::NO_PARSING_ERROR && util.IsValidNumber(n)) finish(n);
    return v;
  }
  // A national number is often valid in several regions (DE and AT accept most digit strings).
  // The region whose national format groups the digits as the text does wins; otherwise the
  // first valid region in --regions order. The others are listed in also_valid_in.
  const auto groups = digit_groups(text);
  std::vector<std::pair<std::string, PhoneNumber>> valid;
  for (const auto& region : regions_for(only)) {
    if (util.Parse(number, region, &n) != PhoneNumberUtil::NO_PARSING_ERROR || !util.IsValidNumberForRegion(n, region)) continue;
    valid.emplace_back(region, n);
  }
  if (valid.empty()) return v;
  std::size_t chosen = 0;
  if (groups.size() > 1) {
    for (std::size_t i = 0; i < valid.size(); ++i) {
      std::string national;
      util.Format(valid[i].second, PhoneNumberUtil::NATIONAL, &national);
      if (digit_groups(national) == groups) {
        chosen = i;
        break;
      }
    }
  }
  finish(valid[chosen].second);
  for (std::size_t i = 0; i < valid.size(); ++i)
    if (i != chosen) v.also_valid_in += (v.also_valid_in.empty() ? "" : ",") + valid[i].first;
  return v;
}

Validation Validators::validate(const Rule& rule, std::string_view text, const std::regex* extract) const {
  // libphonenumber costs tens of microseconds a number (ICU regexes, per region); the same
  // candidates recur (a number repeated through a database, a log, decoded copies): remember
  // recent answers per thread.
  if (rule.validator == Validator::phone) {
    // The key names these validators too: another scanner's regions give other answers.
    thread_local std::unordered_map<std::string, Validation> cache;
    std::string key = std::to_string(id_) + '\0' + rule.name;
    key += '\0';
    key += text;
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    if (cache.size() > 16384) cache.clear();
    Validation v;
    if (!extract) {
      v = phone(text, rule.regions);
      v.length = text.size();
    } else if (std::match_results<std::string_view::const_iterator> m;
               std::regex_search(text.begin(), text.end(), m, *extract) && m.size() > 1 && m[1].matched) {
      // The number inside the match, in international form without its '+' (the user part of a
      // WhatsApp JID, "32470123456@s.whatsapp.net"); the feature ends where the number does.
      const std::string number = m[1].str();
      v = phone(number.starts_with('+') ? number : "+" + number, rule.regions);
      v.length = static_cast<std::size_t>(m.position(1) + m.length(1));
    }
    return cache.emplace(std::move(key), std::move(v)).first->second;
  }
  Validation v;
  v.length = text.size();
  std::string feature(text);
  if (extract) {
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_search(text.begin(), text.end(), m, *extract)) return v;
    feature = m.size() > 1 && m[1].matched ? m[1].str() : m[0].str();
  }
  switch (rule.validator) {
    case Validator::phone:  // handled above
      return v;
    case Validator::email: {
      auto at = feature.rfind('@');
      std::string_view local = std::string_view(feature).substr(0, at), domain = std::string_view(feature).substr(at + 1);
      v.valid = !local.empty() && local.size() <= 64 && local.front() != '.' && local.back() != '.' &&
                local.find("..") == std::string_view::npos && valid_domain(domain);
      v.normalised = lower(feature);
      return v;
    }
    case Validator::url: {
      // Punctuation that ends a sentence or a quote is not part of the address.
      while (v.length > 0 && std::string_view(".,;:!?*'").find(text[v.length - 1]) != std::string_view::npos) --v.length;
      std::string_view url = text.substr(0, v.length);
      auto host = host_of(url);
      v.valid = host == "localhost" || valid_domain(host) ||
                (std::count(host.begin(), host.end(), '.') == 3 && std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; }));
      auto scheme_end = url.find("://") + 3;
      auto host_end = url.find_first_of("/?#", scheme_end);
      v.normalised = lower(url.substr(0, host_end)) + std::string(host_end == std::string_view::npos ? "" : url.substr(host_end));
      return v;
    }
    case Validator::luhn: {
      std::string digits;
      for (char c : feature)
        if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
      v.valid = luhn_valid(digits) && !card_brand(digits).empty();
      v.normalised = digits;
      return v;
    }
    case Validator::iban: {
      std::string compact;
      for (char c : feature)
        if (c != ' ') compact += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      v.valid = iban_valid(compact);
      v.normalised = compact;
      return v;
    }
    case Validator::uuid: {
      std::string id = lower(feature);
      v.valid = id.size() == 36 && id != "00000000-0000-0000-0000-000000000000";
      v.normalised = "maid:" + id;
      return v;
    }
    case Validator::none:
      v.valid = true;
      v.normalised = extract ? host_of(text) + ":" + feature : feature;
      return v;
  }
  return v;
}

std::string Validators::normalise_watch_entry(std::string_view value) const {
  std::string text(value);
  // A phone number in any spelling: digits and the separators people write, nothing else
  // (libphonenumber would read letters as a keypad's digits).
  if (!text.empty() && text.find_first_not_of("0123456789+-./() ") == std::string::npos) {
    Validation p = phone(text, {});
    if (p.valid) return p.normalised;
  }
  if (text.find('@') != std::string::npos) return lower(text);
  static const std::regex uuid("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");
  if (std::regex_match(text, uuid)) return "maid:" + lower(text);
  if (text.find("://") != std::string::npos) {
    Rule url;
    url.validator = Validator::url;
    return validate(url, text, nullptr).normalised;
  }
  return lower(text);
}

}  // namespace trawl::detail
