#include "host/scanners/identifier_scanner.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>

#include "host/core/forensic_path.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {
namespace {

// Owned ranges are scanned in windows of this size so that the match events of one scan stay
// bounded even on hostile data (megabytes of digits); a window with more events than
// max_events is split in two.
constexpr std::size_t window_size = 1u << 20;
constexpr std::size_t max_events = 1u << 21;
constexpr int max_end_tries = 8;

struct Decoded {
  std::string folded;                // ASCII, one char per character
  std::string raw;                   // UTF-8
  std::vector<std::uint32_t> starts;  // byte offset of each character, plus the end
};

void append_utf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string hex_escape(unsigned char c) {
  static constexpr char digits[] = "0123456789ABCDEF";
  return std::string("\\x") + digits[c >> 4] + digits[c & 15];
}

// One character at `at` in the variant's encoding: its ASCII value (full-width folded) or -1
// when it is not an ASCII/full-width character, and its size in bytes.
struct Char {
  int ascii;
  std::size_t bytes;
};

// The UTF-16 code unit at `at` (at + 2 <= b.size()).
unsigned utf16_unit(std::span<const std::byte> b, std::size_t at, Encoding e) {
  const unsigned first = static_cast<unsigned char>(b[at]), second = static_cast<unsigned char>(b[at + 1]);
  return e == Encoding::utf16be ? (first << 8) | second : first | (second << 8);
}

Char char_at(std::span<const std::byte> b, std::size_t at, const EmitOptions& o) {
  auto u = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  if (is_utf16(o.encoding)) {
    if (at + 2 > b.size()) return {-1, 1};
    const unsigned unit = utf16_unit(b, at, o.encoding), lo = unit & 0xff, hi = unit >> 8;
    if (hi == 0) return {lo < 0x80 ? static_cast<int>(lo) : -1, 2};
    if (hi == 0xFF && lo >= 0x01 && lo <= 0x5E) return {static_cast<int>(lo + 0x20), 2};
    if (hi == 0x30 && lo == 0x00) return {' ', 2};
    return {-1, 2};
  }
  if (o.fullwidth && at + 3 <= b.size()) {
    if (u(at) == 0xEF && u(at + 1) == 0xBC && u(at + 2) >= 0x81 && u(at + 2) <= 0xBF) return {static_cast<int>(u(at + 2) - 0x60), 3};
    if (u(at) == 0xEF && u(at + 1) == 0xBD && u(at + 2) >= 0x80 && u(at + 2) <= 0x9E) return {static_cast<int>(u(at + 2) - 0x20), 3};
    if (u(at) == 0xE3 && u(at + 1) == 0x80 && u(at + 2) == 0x80) return {' ', 3};
  }
  if (at >= b.size()) return {-1, 1};
  return {u(at) < 0x80 ? static_cast<int>(u(at)) : -1, 1};
}

// The character that ends just before `at`.
int char_before(std::span<const std::byte> b, std::size_t at, const EmitOptions& o) {
  if (is_utf16(o.encoding)) return at >= 2 ? char_at(b, at - 2, o).ascii : -1;
  if (o.fullwidth && at >= 3) {
    Char c = char_at(b, at - 3, o);
    if (c.bytes == 3) return c.ascii;
  }
  return at >= 1 ? char_at(b, at - 1, o).ascii : -1;
}

// Where the character that ends at `at` begins (at > 0): its width depends on how it was written.
std::size_t step_back(std::span<const std::byte> b, std::size_t at, const EmitOptions& o) {
  if (is_utf16(o.encoding)) return at >= 2 ? at - 2 : 0;
  if (o.fullwidth && at >= 3 && char_at(b, at - 3, o).bytes == 3) return at - 3;
  return at - 1;
}

// Up to n characters that end at `at`, folded to ASCII as decode() does ('?' for others).
std::string text_before(std::span<const std::byte> b, std::size_t at, const EmitOptions& o, std::size_t n) {
  std::string s;
  while (s.size() < n && at > 0) {
    const int c = char_before(b, at, o);
    s.insert(s.begin(), c < 0 ? '?' : static_cast<char>(c));
    at = step_back(b, at, o);
  }
  return s;
}

bool ascii_digit(int c) { return c >= '0' && c <= '9'; }

// True when the candidate begins with '+' or a leading 0 (an international or trunk prefix):
// written as people write phone numbers, as programs do not write integers or decimals.
bool written_with_a_prefix(std::string_view folded) {
  return folded.starts_with('+') || (folded.size() > 1 && folded[0] == '0' && ascii_digit(folded[1]));
}

// `sep` and then a digit right after [.., to).
bool followed_by(std::span<const std::byte> b, std::size_t to, const EmitOptions& o, char sep) {
  const Char after = char_at(b, to, o);
  return after.ascii == sep && ascii_digit(char_at(b, to + after.bytes, o).ascii);
}

// A digit and then `sep` right before [from, ..).
bool preceded_by(std::span<const std::byte> b, std::size_t from, const EmitOptions& o, char sep) {
  return from > 0 && char_before(b, from, o) == sep && ascii_digit(char_before(b, step_back(b, from, o), o));
}

// True when the candidate's digits are part of a PDF hex string of glyph ids, `<...>` holding only
// hex digits, four per glyph ("[<0925>-51<01570233029a>12<01a8>] TJ": +49 157 0233029): such
// strings fill the text of every PDF with a CID font. A number written in angle brackets has
// separators, a '+' or a length that is not a whole number of glyphs.
bool inside_glyph_string(std::span<const std::byte> b, std::size_t from, std::size_t to, const EmitOptions& o, std::string_view folded) {
  auto hex = [](int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  if (!std::all_of(folded.begin(), folded.end(), [&](char c) { return hex(static_cast<unsigned char>(c)); })) return false;
  std::size_t count = folded.size(), at = from;
  constexpr std::size_t most = 4096;  // longer runs are not looked at (and not rejected)
  while (at > 0 && count < most && hex(char_before(b, at, o))) {
    at = step_back(b, at, o);
    ++count;
  }
  if (at == 0 || char_before(b, at, o) != '<') return false;
  at = to;
  for (Char c = char_at(b, at, o); count < most && hex(c.ascii); c = char_at(b, at, o)) {
    at += c.bytes;
    ++count;
  }
  return char_at(b, at, o).ascii == '>' && count % 4 == 0 && count >= 8;
}

// What lies around [from, to): the first character on each side that `accepted` refuses, within
// `most` characters (`edge` where the data ends, `too_far` past `most`), and whether an accepted
// character on either side is a digit.
struct Surroundings {
  static constexpr int edge = -2, too_far = -3;
  int before = edge, after = edge;
  bool digit = false;
};

template <class Accepted>
Surroundings surroundings(std::span<const std::byte> b, std::size_t from, std::size_t to, const EmitOptions& o, Accepted accepted,
                          std::size_t most) {
  Surroundings s;
  std::size_t n = 0;
  for (std::size_t at = from; at > 0; at = step_back(b, at, o)) {
    const int c = char_before(b, at, o);
    if (!accepted(c) || ++n > most) {
      s.before = accepted(c) ? Surroundings::too_far : c;
      break;
    }
    s.digit = s.digit || ascii_digit(c);
  }
  n = 0;
  for (std::size_t at = to; at < b.size();) {
    const Char c = char_at(b, at, o);
    if (!accepted(c.ascii) || ++n > most) {
      s.after = accepted(c.ascii) ? Surroundings::too_far : c.ascii;
      break;
    }
    s.digit = s.digit || ascii_digit(c.ascii);
    at += c.bytes;
  }
  return s;
}

// True when the candidate lies in a bracketed array of numbers with at least one other number in
// it: "/FontBBox [-451 -316 731 1016]" (+1 316 731 1016), the same in a Type 1 font's braces
// ("/FontBBox{-451 -316 731 1016}readonly def"), "/Rect [ 72 540.5 212 555 0199 ]". Only digits,
// signs, points and white space may stand between the brackets and the candidate; a number alone
// in brackets ("[212 555 0199]") is not an array of numbers.
bool inside_number_array(std::span<const std::byte> b, std::size_t from, std::size_t to, const EmitOptions& o) {
  auto number_char = [](int c) {
    return ascii_digit(c) || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-' || c == '+' || c == '.';
  };
  const Surroundings s = surroundings(b, from, to, o, number_char, 4096);  // a font's /Widths is long
  return s.digit && ((s.before == '[' && s.after == ']') || (s.before == '{' && s.after == '}'));
}

// True when the candidate, written in space-separated groups, and maybe more numbers after it, is
// followed by a PDF content stream's operator that takes numbers: "20 20 60 60 re" (a rectangle,
// read as +45 20 20 60 60), "904 87 120 -30 re", "30 60 25 55 25 50 c", "1 0 0 1 72 720 cm".
bool operands_of_a_pdf_operator(std::span<const std::byte> b, std::size_t to, const EmitOptions& o, std::string_view folded) {
  // PDF writers never sign a number with '+': "+32 470 52 81 96 g" is a number before a word.
  if (folded.find(' ') == std::string_view::npos || folded.starts_with('+')) return false;
  auto white = [](int c) { return c == ' ' || c == '\n' || c == '\r'; };
  std::size_t at = to;
  Char c = char_at(b, at, o);
  if (!white(c.ascii)) return false;
  at += c.bytes;
  // Up to six more operands ("-30", "25.5"), each followed by one space or line end.
  for (int operands = 0; operands < 6; ++operands) {
    std::size_t token = at, length = 0;
    bool digit = false;
    for (c = char_at(b, token, o); length < 24 && (ascii_digit(c.ascii) || c.ascii == '-' || c.ascii == '.');
         c = char_at(b, token, o), ++length) {
      digit = digit || ascii_digit(c.ascii);
      token += c.bytes;
    }
    if (!digit || !white(c.ascii)) break;
    at = token + c.bytes;
  }
  std::string op;
  for (c = char_at(b, at, o); op.size() < 3 && c.ascii > 0 && (std::isalpha(c.ascii) || c.ascii == '*'); c = char_at(b, at, o)) {
    op += static_cast<char>(c.ascii);
    at += c.bytes;
  }
  // The token ends there: white space, a delimiter or the end of the data.
  if (!(c.ascii < 0 || c.ascii == 0 || std::isspace(c.ascii) || std::strchr("[]()<>/{}%", c.ascii))) return false;
  static constexpr std::string_view operators[] = {"m",  "l",  "c",  "v",  "y",  "re",  "cm",  "Td", "TD", "Tm", "w",
                                                   "rg", "RG", "k",  "K",  "g",  "G",   "sc",  "SC", "d0", "d1", "Tc",
                                                   "Tw", "Tz", "TL", "Ts", "Tf", "scn", "SCN", "i",  "M"};
  return std::find(std::begin(operators), std::end(operators), op) != std::end(operators);
}

// True when the candidate, written in groups, lies on a line that holds only numbers, and others
// besides it: "25 739 28 774\n" at the end of a PDF font's rows (+45 73928774). A number written
// in groups alone on its line, or with words, is left alone; so is one written with '+' or a
// leading 0 (an international or trunk prefix: programs do not write integers so), as on a line
// that lists numbers ("+44 20 7946 0958  +33 6 12 34 56 78").
bool on_a_line_of_numbers(std::span<const std::byte> b, std::size_t from, std::size_t to, const EmitOptions& o,
                          std::string_view folded) {
  if (folded.find(' ') == std::string_view::npos) return false;
  if (written_with_a_prefix(folded)) return false;
  // Signed integers only: a point may end a sentence ("call 551 309 1845. 38").
  auto number_char = [](int c) { return ascii_digit(c) || c == ' ' || c == '\t' || c == '-' || c == '+'; };
  const Surroundings s = surroundings(b, from, to, o, number_char, 256);
  auto line_end = [](int c) { return c == Surroundings::edge || c == '\n' || c == '\r'; };
  return s.digit && line_end(s.before) && line_end(s.after);
}

// True when the candidate's digits are part of a long run of hexadecimal digits with letters in
// it: a hash or an identifier ("/release-82563aa0396805008059e3a96c2bf30b59c5"), not a number.
bool inside_hex_run(std::span<const std::byte> b, std::size_t from, std::size_t to, const EmitOptions& o) {
  auto hex = [](int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  constexpr std::size_t most = 64;
  std::size_t run = 0, at = from;
  bool letter = false;
  for (int c = char_before(b, at, o); at > 0 && run < most && hex(c); c = char_before(b, at, o), ++run) {
    letter = letter || !ascii_digit(c);
    at = step_back(b, at, o);
  }
  at = to;
  for (Char c = char_at(b, at, o); run < most && hex(c.ascii); c = char_at(b, at, o), ++run) {
    letter = letter || !ascii_digit(c.ascii);
    at += c.bytes;
  }
  return letter && run >= 8;
}

// The candidate's digits, without its separators.
std::string digits_of(std::string_view folded) {
  std::string digits;
  for (char c : folded)
    if (ascii_digit(static_cast<unsigned char>(c))) digits += c;
  return digits;
}

// True when the candidate's digits are a well-known integer limit ("(2147483647)Tj": INT_MAX).
bool integer_limit(std::string_view folded) {
  const std::string digits = digits_of(folded);
  return digits == "2147483647" || digits == "2147483648" || digits == "4294967295" || digits == "4294967296";
}

// True when the candidate holds more than one parenthesised group: "[(01)-750(02)-750(03)]TJ", a
// PDF text array of strings and kerning. A phone number has at most one (its area code).
bool several_parenthesised_groups(std::string_view folded) { return std::count(folded.begin(), folded.end(), '(') > 1; }

// True when the candidate's digits, past at most two leading ones, repeat a group of one to three
// digits ("03.03.03.03.03", "1111111111", "8393939393", "05-04-04-04-04", "2022022026") or all
// count up or down, 9 turning to 0 ("0123456789", "5678901234"): a fill pattern, a font's digit
// glyphs or a made-up example, not somebody's number.
bool patterned_digits(std::string_view folded) {
  const std::string digits = digits_of(folded);
  auto periodic = [](std::string_view d, std::size_t period) {
    for (std::size_t i = period; i < d.size(); ++i)
      if (d[i] != d[i - period]) return false;
    return d.size() >= 8;
  };
  auto counting = [](std::string_view d, int step) {
    for (std::size_t i = 1; i < d.size(); ++i)
      if ((d[i] - d[i - 1] + 10) % 10 != (step + 10) % 10) return false;
    return d.size() >= 8;
  };
  const std::string_view d(digits);
  for (std::size_t skip = 0; skip <= 2 && skip < d.size(); ++skip)
    for (std::size_t period = 1; period <= 3; ++period)
      if (periodic(d.substr(skip), period)) return true;
  return counting(d, 1) || counting(d, -1);
}

// True when the candidate, with the character after it, holds a PDF text array's kerning between
// strings: ')', an optional '-', a number, '(' ("[(03/21/95)-525(10:00)]TJ", "(+44)-343(1784)":
// the fragments of a line of text, not one number as written).
bool pdf_kerning(std::span<const std::byte> b, std::size_t to, const EmitOptions& o, std::string_view folded) {
  std::string s(folded);
  const int next = char_at(b, to, o).ascii;
  s += next > 0 ? static_cast<char>(next) : '?';
  for (std::size_t close = s.find(')'); close != std::string::npos; close = s.find(')', close + 1)) {
    std::size_t at = close + 1;
    if (at < s.size() && s[at] == '-') ++at;
    const std::size_t digits_from = at;
    while (at < s.size() && (ascii_digit(static_cast<unsigned char>(s[at])) || s[at] == '.')) ++at;
    if (at > digits_from && at < s.size() && s[at] == '(') return true;
  }
  return false;
}

// True when a hyphen right before the candidate joins it to what precedes: a digit ("beta-0.75.0-
// 2013031401", a build stamp) or, as a minus sign, a delimiter or nothing ("<>-469.6171875",
// "[-451 -316 731 1016]"). A number that people write starts after a space or a word's end, or
// with its '+'.
bool joined_by_a_hyphen(std::span<const std::byte> b, std::size_t from, const EmitOptions& o, std::string_view folded) {
  if (folded.starts_with('+') || from == 0 || char_before(b, from, o) != '-') return false;
  const std::size_t hyphen = step_back(b, from, o);
  const int before = hyphen == 0 ? -1 : char_before(b, hyphen, o);
  return before < 0 || ascii_digit(before) || (before > 0 && std::strchr("[]()<>{}/", before));
}

// True when the candidate's only separator is one point: a decimal number ("901.9776975",
// "1706.4913083"), not a number written with points ("901.977.6975", "06.12.34.56.78") nor one
// written with its prefix ('+', or a leading 0 that programs do not write: "0172.0350501").
bool one_decimal_point(std::string_view folded) {
  if (written_with_a_prefix(folded)) return false;
  const auto separator = folded.find_first_not_of("0123456789");
  return separator != std::string_view::npos && folded[separator] == '.' &&
         folded.find_first_not_of("0123456789", separator + 1) == std::string_view::npos;
}

// True when [from, to) lies inside a UUID (8-4-4-4-12 hexadecimal digits): "...-15c044550183",
// "2b48cd09-9874-4563-abe9-08335e1d5d89".
bool inside_uuid(std::span<const std::byte> b, std::size_t from, std::size_t to, const EmitOptions& o) {
  constexpr std::size_t uuid = 36;
  const std::string before = text_before(b, from, o, uuid);
  std::string text = before;
  for (std::size_t at = from; at < to;) {
    const Char c = char_at(b, at, o);
    text += c.ascii < 0 ? '?' : static_cast<char>(c.ascii);
    at += c.bytes;
  }
  const std::size_t end = text.size();
  for (std::size_t at = to, n = 0; n < uuid; ++n) {
    const Char c = char_at(b, at, o);
    if (c.ascii <= 0) break;
    text += static_cast<char>(c.ascii);
    at += c.bytes;
  }
  auto shaped = [](std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
      if (hyphen ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  for (std::size_t start = end > uuid ? end - uuid : 0; start <= before.size() && start + uuid <= text.size(); ++start)
    if (shaped(std::string_view(text).substr(start, uuid))) return true;
  return false;
}

// True when a point separates some groups and a hyphen or a space others: "252.227-7013" (a
// contract clause), "954.871 1363" (two coordinates of a PDF drawing). People write a number with
// points between all its groups ("06.12.34.56.78", "212.555.0199") or with none; a country code
// in front may stand apart ("+1 212.555.0199").
bool mixed_point_separators(std::string_view folded) {
  if (folded.starts_with('+')) {
    const auto code_end = folded.find_first_not_of("0123456789", 1);
    if (code_end == std::string_view::npos) return false;
    folded.remove_prefix(code_end + 1);
  }
  return folded.find('.') != std::string_view::npos && folded.find_first_of(" -") != std::string_view::npos;
}

// True when a phone-valid (or Luhn-valid) candidate [from, to) is data that only looks like a number:
//  - a US ZIP+4 after a state's code (validators.hpp: us_zip_plus4);
//  - digits that continue a decimal number: '.' and a digit right after them ("551.309 1845.38",
//    the coordinates of a PDF drawing, read as +1 551 309 1845) or a digit and '.' right before
//    them (the fraction of "0.5513091845"); a sentence's full stop is followed by a space or
//    nothing, so "call 212.555.0199." still is a phone number;
//  - one stretch of a row of numbers: a candidate written in space-separated groups with a number
//    and white space on both sides ("252 1761 374 1762 497 1763 620", a PDF font's widths, also
//    where a line ends inside the row, or a bracket after it: "1196 504 1197 1207 515 1208[430]");
//    a number written in groups follows a word or punctuation, not another number;
//  - digits of a PDF glyph-id hex string (inside_glyph_string);
//  - a stretch of a bracketed array of numbers (inside_number_array), the operands of a PDF
//    drawing or text operator (operands_of_a_pdf_operator), several parenthesised groups
//    (several_parenthesised_groups), patterned digits (patterned_digits), groups separated by a
//    point and by something else (mixed_point_separators), one point as the only separator
//    (one_decimal_point), digits inside a UUID (inside_uuid), an integer limit (integer_limit),
//    digits of a long hexadecimal run with letters (inside_hex_run), a stretch of a line that holds
//    only numbers (on_a_line_of_numbers), PDF kerning between strings (pdf_kerning), a hyphen
//    that joins the candidate to a number or a delimiter before it (joined_by_a_hyphen).
// A Luhn-checked number (a payment card, an IMEI) gets the same checks but the postal code's and
// the patterned digits' (test cards such as 4111 1111 1111 1111 are written in examples).
bool number_is_data(std::span<const std::byte> b, std::size_t from, std::size_t to, const EmitOptions& o, std::string_view folded,
                    bool phone) {
  static constexpr char white[] = {' ', '\n', '\r', '\t'};
  if (phone && folded.size() == 10 && us_zip_plus4(text_before(b, from, o, 16), folded)) return true;
  if (followed_by(b, to, o, '.') || preceded_by(b, from, o, '.')) return true;
  const int after = char_at(b, to, o).ascii;
  if (folded.find(' ') != std::string_view::npos &&
      (after == '[' || after == ']' || std::ranges::any_of(white, [&](char w) { return followed_by(b, to, o, w); })) &&
      std::ranges::any_of(white, [&](char w) { return preceded_by(b, from, o, w); }))
    return true;
  if (mixed_point_separators(folded) || one_decimal_point(folded) || (phone && patterned_digits(folded)) ||
      several_parenthesised_groups(folded) || inside_uuid(b, from, to, o) || integer_limit(folded) ||
      pdf_kerning(b, to, o, folded) || joined_by_a_hyphen(b, from, o, folded))
    return true;
  return inside_glyph_string(b, from, to, o, folded) || inside_number_array(b, from, to, o) ||
         operands_of_a_pdf_operator(b, to, o, folded) || inside_hex_run(b, from, to, o) ||
         on_a_line_of_numbers(b, from, to, o, folded);
}

// Whether a UTF-16BE match [from, to) reads as the same characters in UTF-16LE from one byte later:
// true when every unit's high byte equals the next one's, the byte after the match included (ASCII
// text: all zero). UTF-16 text away from its ends reads the same in both byte orders, shifted by
// a byte; the UTF-16LE variant reports it then, and UTF-16BE only what LE cannot read whole (a
// string's last characters followed by a byte that is not their high byte, as in a binary plist).
bool utf16le_one_byte_later(std::span<const std::byte> b, std::size_t from, std::size_t to) {
  if (to >= b.size()) return false;
  for (std::size_t at = from; at < to; at += 2)
    if (b[at] != b[at + 2]) return false;
  return true;
}

Decoded decode(std::span<const std::byte> b, std::size_t from, std::size_t to, const EmitOptions& o) {
  Decoded d;
  for (std::size_t at = from; at < to;) {
    Char c = char_at(b, at, o);
    d.starts.push_back(static_cast<std::uint32_t>(at - from));
    unsigned char first = static_cast<unsigned char>(b[at]);
    if (c.ascii >= 0) {
      d.folded += static_cast<char>(c.ascii);
      if (c.bytes == 3) d.raw.append(reinterpret_cast<const char*>(&b[at]), 3);
      else if (is_utf16(o.encoding)) append_utf8(d.raw, utf16_unit(b, at, o.encoding));
      else d.raw += static_cast<char>(c.ascii);
    } else {
      d.folded += '?';
      if (is_utf16(o.encoding) && at + 2 <= to) append_utf8(d.raw, utf16_unit(b, at, o.encoding));
      else d.raw += hex_escape(first);
    }
    at += std::max<std::size_t>(1, std::min(c.bytes, to - at));
  }
  d.starts.push_back(static_cast<std::uint32_t>(to - from));
  return d;
}

bool in_boundary(int c, Boundary b) {
  if (c < 0) return false;
  switch (b) {
    case Boundary::none: return false;
    case Boundary::digit: return std::isdigit(c);
    case Boundary::alnum: return std::isalnum(c);
    case Boundary::word: return std::isalnum(c) || c == '_';
    case Boundary::token: return std::isalnum(c) || (c != 0 && std::strchr("/_=&%#@\\", c) != nullptr);
    case Boundary::glue: return std::isdigit(c) || (c != 0 && std::strchr("/_=&%#@\\", c) != nullptr);
  }
  return false;
}

// True when the key of a "key=value" or "key_value" ends just before `at` (the '=' or '_' is the
// character before `at`) and names a phone number: tel, phone, mobile, fax, msisdn...
bool after_a_phone_key(std::span<const std::byte> b, std::size_t at, const EmitOptions& o) {
  static constexpr std::array<std::string_view, 11> keys{"tel", "phone",  "mobile",  "cell",     "fax",     "gsm",
                                                         "sms", "msisdn", "telefon", "telefono", "whatsapp"};
  std::string key = text_before(b, step_back(b, at, o), o, 10);
  std::ranges::transform(key, key.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return std::ranges::any_of(keys, [&](std::string_view k) {
    if (!std::string_view(key).ends_with(k)) return false;
    const std::size_t at_key = key.size() - k.size();
    return at_key == 0 || !std::isalpha(static_cast<unsigned char>(key[at_key - 1]));  // "hotel=" is no key
  });
}

// Whether the character before a match keeps it from starting there. A match that begins with '+'
// (an international prefix, written on purpose) may follow the glue characters ("tel=+43 650
// 2541224", "phone_+33...") and letters (a database record's previous field: "Bo+46 70 123 45
// 67"); a digit, '+' or '/' before it still blocks it. Any match may follow the '=' or '_' of a
// key that names a phone number ("tel=0612345678"); other keys' values ("id=0612345678") are not
// phone numbers.
bool blocked_on_the_left(std::span<const std::byte> b, std::size_t start, const EmitOptions& o, Boundary boundary) {
  const int before = char_before(b, start, o);
  if (boundary == Boundary::glue && char_at(b, start, o).ascii == '+')
    return before > 0 && (ascii_digit(before) || before == '+' || before == '/');
  if (boundary == Boundary::glue && (before == '=' || before == '_') && after_a_phone_key(b, start, o)) return false;
  return in_boundary(before, boundary);
}

std::string escape_context(std::span<const std::byte> bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (auto byte : bytes) {
    auto c = static_cast<unsigned char>(byte);
    if (c >= 0x20 && c < 0x7F && c != '\\') out += static_cast<char>(c);
    else out += hex_escape(c);
  }
  return out;
}

std::string variant_name(const Rule& r, const EmitOptions& o) {
  return "rule " + r.name + " (" + r.source + ", " + std::string(to_string(o.encoding)) + (o.fullwidth ? ", full-width" : "") +
         ")";
}

// Compiling a few dozen SOM expressions takes a noticeable fraction of a second: one database
// per distinct expression set per process.
std::shared_ptr<const hs_database_t> cached_database(const std::vector<HsExpression>& expressions) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const hs_database_t>> cache;
  std::string key;
  for (const auto& e : expressions) key += e.expression + '\n';
  std::lock_guard lock(mutex);
  auto& slot = cache[key];
  if (!slot) slot = std::shared_ptr<const hs_database_t>(compile_block_database(expressions).release(), HsDatabaseDeleter{});
  return slot;
}

}  // namespace

bool OverlapFilter::admit(const std::string& type, const std::string& path, std::uint64_t offset, std::uint64_t length) {
  auto& end = end_[{type, path}];
  if (offset < end) return false;
  const bool number = std::ranges::find(number_types, type) != number_types.end();
  if (number) {
    auto& numbers_end = numbers_end_[path];
    if (offset < numbers_end) return false;
    numbers_end = offset + length;
  }
  end = offset + length;
  return true;
}

void sort_features(std::vector<Feature>& features) {
  std::sort(features.begin(), features.end(), [](const Feature& x, const Feature& y) {
    if (x.image_offset != y.image_offset) return x.image_offset < y.image_offset;
    if (x.path != y.path) return x.path < y.path;
    if (x.offset != y.offset) return x.offset < y.offset;
    if (x.length != y.length) return x.length > y.length;
    return x.rule < y.rule;
  });
}

std::size_t IdentifierScanner::extend_left(std::span<const std::byte> buffer, std::size_t start, const Variant& v) const {
  const auto& set = extend_[v.rule];
  const unsigned most = rules_[v.rule].extend_max;
  std::size_t at = start;
  unsigned taken = 0;
  while (true) {
    int c = char_before(buffer, at, v.emit);
    if (c < 0 || !set.test(static_cast<std::size_t>(c))) break;
    if (++taken > most) return std::string::npos;  // the run is longer than the rule allows
    at = step_back(buffer, at, v.emit);
  }
  return taken ? at : std::string::npos;
}

std::string forensic_path(const Feature& f) { return trawl::forensic_path(f.path, f.offset); }

IdentifierScanner::IdentifierScanner(std::vector<Rule> rules, std::vector<std::string> regions, bool keep_invalid)
    : rules_(std::move(rules)), validators_(std::move(regions)), keep_invalid_(keep_invalid) {
  std::vector<HsExpression> expressions;
  for (std::uint32_t ri = 0; ri < rules_.size(); ++ri) {
    const Rule& r = rules_[ri];
    auto pattern = std::make_unique<PatternNode>();
    pattern->kind = PatternNode::Kind::alternation;
    for (const auto& text : r.patterns) {
      try {
        pattern->children.push_back(parse_pattern(text, r.caseless));
      } catch (const std::invalid_argument& e) {
        throw Error(ErrorKind::options, r.source + ": rule " + r.name + ": " + e.what());
      }
    }
    unsigned chars = max_characters(*pattern);
    if (chars == PatternNode::unbounded && !r.max_length)
      throw Error(ErrorKind::options, r.source + ": rule " + r.name + " can match without bound: give it a max_length");
    if (r.max_length) chars = std::min(chars, r.max_length);
    std::bitset<256> extend;
    if (!r.extend_class.empty()) {
      PatternPtr set;
      try {
        set = parse_pattern(r.extend_class, r.caseless);
      } catch (const std::invalid_argument& e) {
        throw Error(ErrorKind::options, r.source + ": rule " + r.name + ": extend_left: " + e.what());
      }
      if (set->kind != PatternNode::Kind::set || set->negated)
        throw Error(ErrorKind::options, r.source + ": rule " + r.name + ": extend_left takes one class such as [a-z0-9.]");
      extend = set->set;
      chars += r.extend_max;
    }
    extend_.push_back(extend);
    const std::bitset<256> first = first_characters(*pattern);
    bool digit_first = false;
    for (char c = '0'; c <= '9'; ++c) digit_first |= first.test(static_cast<unsigned char>(c));
    if (digit_first && (!in_boundary('0', r.boundary) || !r.extend_class.empty())) skip_digit_runs_ = false;
    if (!r.extract.empty()) {
      try {
        extract_.push_back(std::make_unique<std::regex>(r.extract, std::regex::ECMAScript | (r.caseless ? std::regex::icase : std::regex::ECMAScript)));
      } catch (const std::regex_error& e) {
        throw Error(ErrorKind::options, r.source + ": rule " + r.name + ": bad extract regex: " + e.what());
      }
    } else {
      extract_.push_back(nullptr);
    }
    if (r.trigger == Trigger::none) prefilter_safe_ = false;
    for (Encoding encoding : {Encoding::ascii, Encoding::utf16le, Encoding::utf16be}) {
      if ((encoding == Encoding::ascii && !r.ascii) || (encoding == Encoding::utf16le && !r.utf16le) ||
          (encoding == Encoding::utf16be && !r.utf16be))
        continue;
      for (bool fullwidth : {false, true}) {
        if (fullwidth && !r.fullwidth) continue;
        EmitOptions o{encoding, fullwidth};
        std::size_t max_bytes = std::size_t{chars} * max_char_bytes(o);
        variants_.push_back({ri, o, max_bytes});
        expressions.push_back({emit_hyperscan(*pattern, o), unsigned{HS_FLAG_SOM_LEFTMOST}, variant_name(r, o)});
        longest_match_ = std::max(longest_match_, max_bytes);
        required_margin_ = std::max(required_margin_, max_bytes + context_chars * max_char_bytes(o));
      }
    }
  }
  if (expressions.empty()) throw Error(ErrorKind::options, "no identifier rules to search for");
  database_ = cached_database(expressions);
  scratch_ = std::make_shared<ScratchPool>(database_.get());
}

// Starts between two ASCII digits are skipped where they make a long run (skip_digit_runs_): on
// megabytes of digits Hyperscan reports every end of every phone pattern, and every such match
// fails its boundary. A start p is skipped when the bytes at p - 1, p and p + 1 are all digits:
// an ASCII match starting there follows a digit, and a UTF-16LE one would need a NUL at p + 1.
// What is searched around a run (its first digits, its last ones with the search margin before
// them) gives the same events at the starts kept, so the features are the same.
void IdentifierScanner::scan(std::span<const std::byte> buffer, std::size_t own_begin, std::size_t own_end,
                             std::vector<Feature>& out) const {
  thread_local std::vector<Event> events;
  if (!skip_digit_runs_) return scan_range(buffer, own_begin, own_end, out, events);
  const auto digit = [&](std::size_t i) { return buffer[i] >= std::byte{'0'} && buffer[i] <= std::byte{'9'}; };
  // Runs shorter than this are searched: only long ones pay for the split. A run at least this
  // long holds one of the bytes probed every `least / 2`.
  const std::size_t least = std::max<std::size_t>(4096, 4 * required_margin_);
  std::size_t live = own_begin;
  for (std::size_t probe = own_begin; probe < own_end; probe += least / 2) {
    if (!digit(probe)) continue;
    std::size_t first = probe, last = probe;  // the run [first, last]
    while (first > 0 && digit(first - 1)) --first;
    while (last + 1 < buffer.size() && digit(last + 1)) ++last;
    // Skipped starts: [first + 1, last) (each between two digits), within the owned range.
    const std::size_t skip_begin = std::max(first + 1, live), skip_end = std::min(last, own_end);
    if (skip_end > skip_begin && skip_end - skip_begin >= least) {
      scan_range(buffer, live, skip_begin, out, events);
      live = skip_end;
    }
    probe = std::max(probe, last);
  }
  scan_range(buffer, live, own_end, out, events);
}

void IdentifierScanner::scan_range(std::span<const std::byte> buffer, std::size_t own_begin, std::size_t own_end,
                                   std::vector<Feature>& out, std::vector<Event>& events) const {
  for (std::size_t a = own_begin; a < own_end; a += window_size) {
    std::size_t b = std::min(own_end, a + window_size);
    scan_window(buffer, a >= required_margin_ ? a - required_margin_ : 0, std::min(buffer.size(), b + required_margin_), a, b,
                out, events);
  }
}

void IdentifierScanner::scan_window(std::span<const std::byte> buffer, std::size_t begin, std::size_t end,
                                    std::size_t own_begin, std::size_t own_end, std::vector<Feature>& out,
                                    std::vector<Event>& events) const {
  events.clear();
  auto lease = scratch_->borrow();
  auto on_match = [](unsigned int id, unsigned long long from, unsigned long long to, unsigned int, void* context) -> int {
    auto* list = static_cast<std::vector<Event>*>(context);
    list->push_back({id, static_cast<std::uint32_t>(from), static_cast<std::uint32_t>(to)});
    return list->size() >= max_events ? 1 : 0;  // 1 stops the scan: too many events for one window
  };
  hs_error_t status = hs_scan(database_.get(), reinterpret_cast<const char*>(buffer.data() + begin),
                              static_cast<unsigned>(end - begin), 0, lease.get(), on_match, &events);
  if (status == HS_SCAN_TERMINATED && own_end - own_begin > 4096) {
    std::size_t mid = own_begin + (own_end - own_begin) / 2;
    for (auto [a, b] : {std::pair{own_begin, mid}, std::pair{mid, own_end}})
      scan_window(buffer, a >= required_margin_ ? a - required_margin_ : 0, std::min(buffer.size(), b + required_margin_), a, b,
                  out, events);
    return;
  }
  if (status != HS_SUCCESS && status != HS_SCAN_TERMINATED)
    throw Error(ErrorKind::internal, "Hyperscan scan failed with code " + std::to_string(status));
  resolve(buffer, begin, own_begin, own_end, events, out);
}

void IdentifierScanner::resolve(std::span<const std::byte> buffer, std::size_t window_begin, std::size_t own_begin,
                                std::size_t own_end, std::vector<Event>& events, std::vector<Feature>& out) const {
  std::sort(events.begin(), events.end(), [](const Event& x, const Event& y) {
    if (x.variant != y.variant) return x.variant < y.variant;
    if (x.from != y.from) return x.from < y.from;
    return x.to > y.to;
  });
  for (std::size_t i = 0; i < events.size();) {
    std::size_t group_end = i;
    while (group_end < events.size() && events[group_end].variant == events[i].variant && events[group_end].from == events[i].from)
      ++group_end;
    const Variant& v = variants_[events[i].variant];
    const Rule& rule = rules_[v.rule];
    std::size_t start = window_begin + events[i].from;
    if (extend_[v.rule].any()) start = extend_left(buffer, start, v);
    if (start == std::string::npos || start < own_begin || start >= own_end ||
        blocked_on_the_left(buffer, start, v.emit, rule.boundary)) {
      i = group_end;
      continue;
    }
    std::optional<Feature> kept;
    int tries = 0;
    for (std::size_t k = i; k < group_end && tries < max_end_tries; ++k) {
      const std::size_t end = window_begin + events[k].to;
      if (end - start > v.max_bytes) continue;  // longer than the rule allows
      if (in_boundary(char_at(buffer, end, v.emit).ascii, rule.boundary_right)) continue;
      if (v.emit.encoding == Encoding::utf16be && rule.utf16le && utf16le_one_byte_later(buffer, start, end)) continue;
      ++tries;
      Decoded d = decode(buffer, start, end, v.emit);
      Validation validation = validators_.validate(rule, d.folded, extract_[v.rule].get());
      const bool number = rule.validator == Validator::phone || rule.validator == Validator::luhn;
      if (validation.valid && number && number_is_data(buffer, start, end, v.emit, d.folded, rule.validator == Validator::phone))
        validation = Validation{};  // a postal code, a decimal number, a row of numbers, glyph ids: not a phone, not a card
      if (!validation.valid && (!keep_invalid_ || kept)) continue;
      std::size_t length = d.starts[std::min(validation.length, d.folded.size())];
      const std::size_t width = max_char_bytes(v.emit);
      const std::size_t context_from = start >= IdentifierScanner::context_chars * width ? start - context_chars * width : 0;
      const std::size_t context_to = std::min(buffer.size(), start + length + context_chars * width);
      Feature f;
      f.offset = start;
      f.length = static_cast<std::uint32_t>(length);
      f.rule = v.rule;
      f.encoding = v.emit.encoding;
      f.fullwidth = v.emit.fullwidth;
      f.valid = validation.valid;
      f.raw = length == end - start ? d.raw : decode(buffer, start, start + length, v.emit).raw;
      f.validation = std::move(validation);
      f.context = escape_context(buffer.subspan(context_from, context_to - context_from));
      kept = std::move(f);
      if (kept->valid) break;
    }
    if (kept) out.push_back(std::move(*kept));
    i = group_end;
  }
}

}  // namespace trawl::detail
