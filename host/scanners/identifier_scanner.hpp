// The identifier scanner: every rule of a rule pack, in every encoding it asks for, compiled
// into one Hyperscan database that scans a buffer in one pass.
//
// What a match is. Hyperscan reports each end offset of each expression with the leftmost start
// that reaches it (HS_FLAG_SOM_LEFTMOST). For a start s, the candidate ends are those whose
// leftmost start is s and that lie within the rule's longest match; the longest end that passes
// the rule's boundary and validator wins. Only starts in [own_begin, own_end) are reported.
// Because the buffer holds at least `required_margin()` bytes before own_begin and after
// own_end (the chunk's lookbehind and margin), the result is the same whatever the chunk size.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host/scanners/hyperscan.hpp"
#include "host/scanners/pattern.hpp"
#include "host/scanners/rule_pack.hpp"
#include "host/scanners/validators.hpp"

namespace trawl::detail {

struct Feature {
  std::uint64_t offset = 0;    // of the first byte: absolute in the image, or inside decoded data
  std::string path;            // forensic path of the decoded data it was found in ("" = the image)
  std::uint64_t image_offset = 0;  // where it, or the stream that holds it, starts in the image
  std::uint32_t length = 0;    // bytes
  std::uint32_t rule = 0;      // index into the scanner's rules
  Encoding encoding = Encoding::ascii;
  bool fullwidth = false;
  bool valid = true;           // false only with --keep-invalid
  std::string raw;             // the text as found, as UTF-8
  Validation validation;
  std::string context;         // bytes around it, non-printables escaped as \xHH
};

// The one overlap rule, of the scan and of `merge`: overlapping features of one type in one
// stream (a number found by the international rule and again, from its second digit, by the
// national one) are reported once: the one that starts first, then the longest. Fed features in
// report order (sort_features), it says which to keep.
class OverlapFilter {
 public:
  // Keeps [offset, offset + length) of `type` in the stream `path` ("" for the image) when it
  // starts at or after the end of the last one kept there. The identifiers made of digits
  // (number_types) do not overlap each other either: the first kept wins, so a phone number is
  // not read inside an IBAN ("BE71 0961 2345 6769"), a card or an advertising ID, nor a card in
  // the digits of a phone number ("+4915271424645").
  static constexpr std::array<std::string_view, 4> number_types{"phone", "iban", "card", "adid"};
  bool admit(const std::string& type, const std::string& path, std::uint64_t offset, std::uint64_t length);
  bool admit(const Feature& f, const std::string& type) { return admit(type, f.path, f.offset, f.length); }

 private:
  std::map<std::pair<std::string, std::string>, std::uint64_t> end_;  // (type, path) -> furthest end kept
  std::map<std::string, std::uint64_t> numbers_end_;                  // path -> furthest end of a number_types one
};

// Sorts features into report order: by image offset (of the feature, or of the stream holding
// it), path, offset inside the path, then longest first.
void sort_features(std::vector<Feature>& features);

// The forensic path of a feature (host/core/forensic_path.hpp): "OFFSET" in the image,
// "CONTAINER-OFFSET" inside decoded data.
std::string forensic_path(const Feature& f);

class IdentifierScanner {
 public:
  IdentifierScanner(std::vector<Rule> rules, std::vector<std::string> regions, bool keep_invalid);

  // Appends the features that start in [own_begin, own_end) of buffer; offsets are relative to
  // buffer[0] (the caller adds the absolute base). Thread-safe.
  void scan(std::span<const std::byte> buffer, std::size_t own_begin, std::size_t own_end,
            std::vector<Feature>& out) const;

  // Bytes of context the buffer needs on each side of the owned range.
  std::size_t required_margin() const { return required_margin_; }
  const std::vector<Rule>& rules() const { return rules_; }
  const Validators& validators() const { return validators_; }
  // Every rule has a prefilter trigger, so scanning only the windows the prefilter marks finds
  // the same features.
  bool prefilter_safe() const { return prefilter_safe_; }
  // Whether the inside of long ASCII digit runs is skipped (see skip_digit_runs_); tests turn it
  // off to compare.
  bool skips_digit_runs() const { return skip_digit_runs_; }
  void skip_digit_runs(bool on) { skip_digit_runs_ = on && skip_digit_runs_; }

  static constexpr unsigned context_chars = 16;

 private:
  struct Variant {
    std::uint32_t rule;
    EmitOptions emit;
    std::size_t max_bytes;  // longest match in bytes, extend_left included
  };
  // Start of the extend_left run before `start`, or npos when the run is empty or too long.
  std::size_t extend_left(std::span<const std::byte> buffer, std::size_t start, const Variant& v) const;
  struct Event {
    std::uint32_t variant;
    std::uint32_t from;  // relative to the scanned window
    std::uint32_t to;
  };
  void scan_range(std::span<const std::byte> buffer, std::size_t own_begin, std::size_t own_end, std::vector<Feature>& out,
                  std::vector<Event>& events) const;
  void scan_window(std::span<const std::byte> buffer, std::size_t begin, std::size_t end, std::size_t own_begin,
                   std::size_t own_end, std::vector<Feature>& out, std::vector<Event>& events) const;
  void resolve(std::span<const std::byte> buffer, std::size_t window_begin, std::size_t own_begin, std::size_t own_end,
               std::vector<Event>& events, std::vector<Feature>& out) const;

  std::vector<Rule> rules_;
  std::vector<std::unique_ptr<std::regex>> extract_;  // per rule, null when the rule has none
  std::vector<std::bitset<256>> extend_;              // per rule: its extend_left class (empty: none)
  std::vector<Variant> variants_;                     // expression id -> variant
  // No rule can report a match that starts between two ASCII digits (each rule whose matches may
  // begin with a digit has a boundary with the digits in it, and no extend_left): the inside
  // of a long digit run is not searched (scan()).
  bool skip_digit_runs_ = true;
  Validators validators_;
  bool keep_invalid_;
  std::size_t required_margin_ = 0;
  std::size_t longest_match_ = 0;
  bool prefilter_safe_ = true;
  std::shared_ptr<const hs_database_t> database_;
  std::shared_ptr<ScratchPool> scratch_;
};

}  // namespace trawl::detail
