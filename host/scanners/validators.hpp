// Validation and normalisation of candidate identifiers, one function per kind: a candidate
// that does not validate is dropped (or kept and flagged with --keep-invalid).
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "host/scanners/rule_pack.hpp"

namespace trawl::detail {

struct Validation {
  bool valid = false;
  std::string normalised;     // the histogram key: E.164, lower-case address, SITE:ID, ...
  std::string region;         // phone: the region the number belongs to (ISO 3166 code)
  std::string number_type;    // phone: mobile, fixed, toll_free, ...
  std::string also_valid_in;  // phone: other --regions where a national number is also valid
  std::size_t length = 0;     // characters of the text that make the identifier (a URL loses trailing punctuation)
};

class Validators {
 public:
  explicit Validators(std::vector<std::string> regions);
  // `text` is the candidate folded to ASCII (full-width forms mapped to ASCII), one character per
  // character of the match. `extract` is the rule's compiled extract regex, if any.
  Validation validate(const Rule& rule, std::string_view text, const std::regex* extract) const;
  // Normalises a watchlist entry the same way a found identifier would be (phone numbers in any
  // spelling to E.164, addresses to lower case, ...).
  std::string normalise_watch_entry(std::string_view value) const;
  const std::vector<std::string>& regions() const { return regions_; }

 private:
  Validation phone(std::string_view text, const std::vector<std::string>& only) const;
  // The regions a national number is read in: --regions in order, those of `only` (a rule's
  // regions) when it names some, and the rest of a numbering plan shared by `only`.
  std::vector<std::string> regions_for(const std::vector<std::string>& only) const;
  std::vector<std::string> regions_;  // in priority order
  std::uint64_t id_;                  // distinct for each Validators made: the phone cache's key
};

// The default --regions: the EU, Switzerland, Norway, the UK, China, the US.
std::vector<std::string> default_regions();

bool luhn_valid(std::string_view digits);
// "visa", "mastercard", ... from the issuer prefix and length; empty when no card has that shape.
std::string card_brand(std::string_view digits);
bool iban_valid(std::string_view compact);

// A US ZIP+4 postal code as addresses write it, never a phone number: `candidate` is five digits,
// '-', four digits, and `before` (the text just before it) ends with a state's or territory's
// two-letter code and white space, possibly across a line break and a comment's continuation mark
// ("Boston, MA 02110-1301", "MA\n * 02110-1301" in every GPL notice would otherwise be the German
// number +49 2110 1301 on every Linux machine).
bool us_zip_plus4(std::string_view before, std::string_view candidate);

}  // namespace trawl::detail
