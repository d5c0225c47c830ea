// Identifier search: rule packs, the pattern language, validators and the scanner.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include <sqlite3.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "host/scanners/identifier_scanner.hpp"
#include "kernels/identifier_prefilter.hpp"
#include "kernels/launch.hpp"
#include "host/scanners/pattern.hpp"
#include "host/scanners/rule_pack.hpp"
#include "host/scanners/validators.hpp"
#include "support/memory_source.hpp"
#include "support/test_support.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {
namespace {

std::vector<std::byte> bytes_of(std::string_view s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

std::string utf16le(std::string_view ascii) {
  std::string out;
  for (char c : ascii) out += std::string{c, '\0'};
  return out;
}

std::string utf16be(std::string_view ascii) {
  std::string out;
  for (char c : ascii) out += std::string{'\0', c};
  return out;
}

// Full-width form of digits and '+' (U+FF0B, U+FF10..), as UTF-8.
std::string fullwidth_utf8(std::string_view ascii) {
  std::string out;
  for (unsigned char c : ascii) {
    if (c == ' ') {
      out += "\xE3\x80\x80";
      continue;
    }
    if (c < 0x21 || c > 0x7E) {  // line breaks and other controls have no full-width form
      out += static_cast<char>(c);
      continue;
    }
    unsigned code = 0xff01 + (c - 0x21);
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
  return out;
}

const IdentifierScanner& builtin() {
  static IdentifierScanner scanner(builtin_rules(), default_regions(), false);
  return scanner;
}

std::vector<Feature> scan_text(const std::string& text, const IdentifierScanner& scanner = builtin()) {
  auto b = bytes_of(text);
  std::vector<Feature> out;
  scanner.scan(b, 0, b.size(), out);
  sort_features(out);
  OverlapFilter overlaps;
  std::vector<Feature> kept;
  for (auto& f : out)
    if (overlaps.admit(f, scanner.rules()[f.rule].type)) kept.push_back(std::move(f));
  return kept;
}

std::multimap<std::string, std::string> by_type(const std::vector<Feature>& features) {
  std::multimap<std::string, std::string> out;
  for (const auto& f : features) out.emplace(builtin().rules()[f.rule].type, f.validation.normalised);
  return out;
}

// Fails for each identifier of `type` the built-in rules report in `text`.
void expect_none(const std::string& type, const std::string& text) {
  for (const auto& f : scan_text(text))
    if (builtin().rules()[f.rule].type == type) ADD_FAILURE() << type << " " << f.validation.normalised << " from " << f.raw;
}

void expect_no_phone(const std::string& text) { expect_none("phone", text); }

// Data that only looks like numbers of `type`, in each of its encoded forms, yields none; each of
// `numbers`, written as people write them, yields exactly one.
void expect_data_not_numbers(const std::string& type, std::initializer_list<std::string> data,
                             std::initializer_list<std::string> numbers) {
  for (const auto& text : data) expect_none(type, text);
  for (const auto& text : numbers) EXPECT_EQ(by_type(scan_text(text)).count(type), 1u) << text;
}

TEST(Pattern, EmitsUtf16AndFullWidthForms) {
  auto p = parse_pattern("a[0-9]", false);
  EXPECT_EQ(emit_hyperscan(*p, {Encoding::ascii, false}), "[\\x61][\\x30-\\x39]");
  EXPECT_EQ(emit_hyperscan(*p, {Encoding::utf16le, false}), "(?:[\\x61]\\x00)(?:[\\x30-\\x39]\\x00)");
  EXPECT_EQ(emit_hyperscan(*p, {Encoding::ascii, true}), "\\xEF\\xBD[\\x81]\\xEF\\xBC[\\x90-\\x99]");
  EXPECT_EQ(max_characters(*parse_pattern("(?:ab|c){2,3}x?", false)), 7u);
  EXPECT_EQ(max_characters(*parse_pattern("a+", false)), PatternNode::unbounded);
}

TEST(Pattern, RejectsWhatItDoesNotSupport) {
  for (auto bad : {"^abc", "a(?=b)", "a{3,2}", "[abc", "a\\q", "(ab", "*a", "a+?"}) EXPECT_THROW(parse_pattern(bad, false), std::invalid_argument) << bad;
}

TEST(RulePack, BuiltinParsesAndErrorsNameTheLine) {
  auto rules = builtin_rules();
  EXPECT_GE(rules.size(), 10u);
  try {
    parse_rule_pack("[ok]\ntype = x\npattern = a\n[bad]\ntype = y\nvalidate = magic\n", "mine.rules");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("mine.rules:6:", 0), 0u) << e.what();
  }
  EXPECT_THROW(parse_rule_pack("type = x\n", "r"), Error);
  EXPECT_THROW(IdentifierScanner(parse_rule_pack("[u]\ntype = x\npattern = a+\n", "r"), {}, false), Error);  // unbounded
}

TEST(Validators, LuhnAndIban) {
  EXPECT_TRUE(luhn_valid("4111111111111111"));
  EXPECT_FALSE(luhn_valid("4111111111111112"));
  EXPECT_TRUE(iban_valid("DE89370400440532013000"));
  EXPECT_TRUE(iban_valid("GB29NWBK60161331926819"));
  EXPECT_FALSE(iban_valid("DE89370400440532013001"));
}

TEST(Scanner, FindsAndNormalisesPhoneNumbersWrittenManyWays) {
  auto found = by_type(scan_text(
      "call +33 6 12 34 56 78 or 0033 612345678, fr: 06.12.34.56.78 | us (212) 555-0199? no: "
      "+1 212-736-5000 and cn 138 0013 8000, uk +44 20 7946 0958"));
  auto phones = found.equal_range("phone");
  std::multiset<std::string> numbers;
  for (auto it = phones.first; it != phones.second; ++it) numbers.insert(it->second);
  EXPECT_EQ(numbers.count("+33612345678"), 3u) << "three spellings, one E.164 key";
  EXPECT_EQ(numbers.count("+12127365000"), 1u);
  EXPECT_EQ(numbers.count("+8613800138000"), 1u);
  EXPECT_EQ(numbers.count("+442079460958"), 1u);
}

TEST(Scanner, FindsUtf16AndFullWidthPhoneNumbers) {
  auto utf16 = scan_text("xx" + utf16le("tel:+33 6 12 34 56 78;") + "yy");
  ASSERT_EQ(utf16.size(), 1u);
  EXPECT_EQ(utf16[0].validation.normalised, "+33612345678");
  EXPECT_EQ(utf16[0].encoding, Encoding::utf16le);
  EXPECT_EQ(utf16[0].offset, 2u + 2 * 4);
  auto wide = scan_text("ad: " + fullwidth_utf8("+86 138 0013 8000") + " now");
  ASSERT_EQ(wide.size(), 1u);
  EXPECT_EQ(wide[0].validation.normalised, "+8613800138000");
  EXPECT_TRUE(wide[0].fullwidth);
  EXPECT_EQ(wide[0].raw, fullwidth_utf8("+86 138 0013 8000"));
}

// A binary plist stores a non-ASCII string as UTF-16BE, followed by the next object's marker: the
// number or address that ends it is found whole, as UTF-16BE, at its offset (read as UTF-16LE one
// byte later it lost its last character).
TEST(Scanner, FindsTheEndOfAUtf16BigEndianStringWhole) {
  const auto phone = scan_text("\x6A" + utf16be("T\xE9l: +33 6 12 34 56 78") + "\x5F\x10");
  ASSERT_EQ(phone.size(), 1u);
  EXPECT_EQ(phone[0].validation.normalised, "+33612345678");
  EXPECT_EQ(phone[0].encoding, Encoding::utf16be);
  EXPECT_EQ(phone[0].offset, 1u + 2 * 5);
  const auto email = by_type(scan_text("\x6A" + utf16be(std::string(1, '\xE9') + "crire: anne@example.ch") + "\x5F\x10"));
  ASSERT_EQ(email.count("email"), 1u);
  EXPECT_EQ(email.find("email")->second, "anne@example.ch");
}

TEST(Scanner, IgnoresDecoys) {
  auto found = scan_text(
      "ts=1700000000123 2024-01-15T10:22:33Z ver 10.0.19045.3803 hex 0x7ffe12345678 serial SN-00012345678901 "
      "uuid 123e4567-e89b-12d3-a456-426614174000 build 20230115123456 ip 192.168.100.200 pi 3.14159265358979");
  for (const auto& f : found) ADD_FAILURE() << builtin().rules()[f.rule].name << ": " << f.raw;
}

// "Boston, MA 02110-1301" closes every GPL notice: read as a German national number it is
// +49 2110 1301, and it linked every pair of unrelated Linux images in a case. A ZIP+4 after a
// state's code is a postal code in every encoding; the same digits as a phone still are one.
TEST(Scanner, AUsZipPlus4AfterAStateIsAPostalCodeNotAPhone) {
  const std::string gpl = "Free Software Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA\n"
                          "59 Temple Place, Suite 330, Boston, MA  02111-1307  USA\n"
                          " * Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA\n * 02110-1301, USA\n"
                          "# Boston, MA\n#     02110-1301 USA\n";
  for (const auto& text : {gpl, utf16le(gpl), fullwidth_utf8(gpl)}) expect_no_phone(text);
  for (const std::string text : {"Telefon: 02110-1301\n", "Boston, XX 02110-1301", "MAX 02110-1301"}) {
    auto found = by_type(scan_text(text));
    EXPECT_EQ(found.count("phone"), 1u) << text;
  }
  EXPECT_TRUE(us_zip_plus4("Boston, MA ", "02110-1301"));
  EXPECT_TRUE(us_zip_plus4("PR  ", "00901-1234"));
  EXPECT_FALSE(us_zip_plus4("Boston, MA ", "02110 1301"));
  EXPECT_FALSE(us_zip_plus4("Boston, MA", "02110-1301"));
  EXPECT_TRUE(us_zip_plus4("Boston, MA\n    ", "02110-1301"));
  EXPECT_FALSE(us_zip_plus4("Boston, MA*", "02110-1301"));
  EXPECT_FALSE(us_zip_plus4("ZZ ", "02110-1301"));
}

// A decompressed PDF page is full of coordinates: "551.309 1845.38 m" read as the NANP number
// +1 551 309 1845 (the issue counted ~14,500 such "phones" per 256 MiB). Digits that continue a
// decimal number on either side are not a phone; a full stop that ends a sentence changes nothing.
TEST(Scanner, DigitsOfDecimalNumbersAreNotPhones) {
  const std::string drawing = "q 1 0 0 1 72 720 cm 551.309 1845.38 m 212.555 0199.25 l 0.5513091845 w S Q\n";
  expect_data_not_numbers("phone", {drawing, utf16le(drawing)},
                          {"call 212.555.0199.", "call 212.555.0199. Or", "fr: 06.12.34.56.78.\n", "551 309 1845. 38"});
}

// A row of numbers (a PDF font's /Widths, a table of measurements) is not a phone number however
// its groups line up; a number written in groups after a word, or a list of numbers each written
// whole, still is.
TEST(Scanner, AStretchOfARowOfNumbersIsNotAPhone) {
  const std::string widths = "/Widths [ 278 252 1761 374 1762 497 1763 620 1764 742 212 555 0199 250 ]\n";
  expect_data_not_numbers("phone", {widths, utf16le(widths)},
                          {"tel 212 555 0199 24h", "212 555 0199 and 7 more", "12 is 212 555 0199"});
  EXPECT_EQ(by_type(scan_text("0612345678 0698765432 0611223344")).count("phone"), 3u);
  // Numbers written with their prefixes on a line of their own are a list of phones, not a row.
  const std::string listed = "+44 20 7946 0958  +33 6 12 34 56 78\n0044 20 7946 0958  06 12 34 56 78\n";
  for (const auto& text : {listed, utf16le(listed)}) EXPECT_EQ(by_type(scan_text(text)).count("phone"), 4u) << text;
}

// A number written with its '+' may follow a key's '=' or '_' ("tel=+43 650 2541224") and precede a
// word that is also a PDF operator; a digit, '+' or '/' before the '+' still keeps it from
// starting there.
TEST(Scanner, AnInternationalNumberAfterAKeysEqualsSignIsAPhone) {
  for (const std::string text :
       {"tel=+43 650 2541224;", "x phone_+43 650 2541224 y", "+43 650 2541224 g\n", "n=+43 650 2541224&"}) {
    for (const auto& written : {text, utf16le(text)}) {
      const auto found = by_type(scan_text(written));
      ASSERT_EQ(found.count("phone"), 1u) << text;
      EXPECT_EQ(found.find("phone")->second, "+436502541224") << text;
    }
  }
  for (const std::string text : {"ab/+436502541224", "9+436502541224", "++436502541224"}) expect_no_phone(text);
  // A national number after the '=' of a key that names a phone; not after another key's.
  expect_data_not_numbers("phone", {"id=0612345678&", "hotel=0612345678;", "x_0612345678 "},
                          {"?tel=0612345678&", "Mobile_0612345678 ", "MSISDN=0612345678;"});
}

// A WhatsApp account ID is the international number without its '+': the phone is the digits
// (the address stays an e-mail-shaped feature of its own).
TEST(Scanner, AWhatsAppJidIsThePhoneNumberItNames) {
  // 4795445010 alone reads as the US +1 479 544 5010; as a JID it is the Norwegian +47 95 44 50 10.
  for (const std::string jid : {"32470123456@s.whatsapp.net", "447911123456@c.us", "4795445010@s.whatsapp.net"}) {
    for (const auto& text :
         {"<jid>" + jid + "</jid>", utf16le("'" + jid + "'"), utf16be("'" + jid + "' "), fullwidth_utf8(jid)}) {
      const auto found = by_type(scan_text(text));
      ASSERT_EQ(found.count("phone"), 1u) << jid;
      EXPECT_EQ(found.find("phone")->second, "+" + jid.substr(0, jid.find('@'))) << jid;
    }
  }
  // Not a JID: a longer server name, or too few digits for any country.
  EXPECT_EQ(by_type(scan_text("32470123456@s.whatsapp.network")).count("phone"), 0u);
  EXPECT_EQ(by_type(scan_text("x 12345@c.us")).count("phone"), 0u);
}

// Two scanners with other regions, one after the other on one thread, each give their own answers
// (the validators' per-thread cache once answered the second with the first one's).
TEST(Scanner, ScannersWithOtherRegionsDoNotShareValidations) {
  const IdentifierScanner us(builtin_rules(), {"US"}, false), france(builtin_rules(), {"FR"}, false);
  EXPECT_EQ(scan_text("office (617) 253-1000 ext", us).size(), 1u);
  EXPECT_TRUE(scan_text("office (617) 253-1000 ext", france).empty());
}

// North America is one numbering plan: with --regions naming the US only, a Canadian number written
// nationally is still +1 (region CA); with no NANP region named, it is not read at all.
TEST(Scanner, ANanpNumberIsReadInEveryRegionOfThePlanOnceOneIsNamed) {
  const IdentifierScanner us_only(builtin_rules(), {"US"}, false);
  const auto found = scan_text("office (416) 353-8868 ext", us_only);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].validation.normalised, "+14163538868");
  EXPECT_EQ(found[0].validation.region, "CA");
  const IdentifierScanner france_only(builtin_rules(), {"FR"}, false);
  EXPECT_TRUE(scan_text("office (416) 353-8868 ext", france_only).empty());
}

// Identifiers made of digits do not overlap: a phone number is not read inside an IBAN or a card,
// nor a card inside a phone number's digits.
TEST(Scanner, APhoneIsNotReadInsideAnIbanOrACardNorACardInsideAPhone) {
  const auto iban = by_type(scan_text("IBAN BE71 0961 2345 6769 end"));
  EXPECT_EQ(iban.count("iban"), 1u);
  EXPECT_EQ(iban.count("phone"), 0u);
  const auto card = by_type(scan_text("card 4111 0475 2341 7672 end"));
  EXPECT_EQ(card.count("card"), 1u);
  EXPECT_EQ(card.count("phone"), 0u);
  const auto phone = by_type(scan_text("mobile +4915271424645 end"));
  EXPECT_EQ(phone.count("phone"), 1u);
  EXPECT_EQ(phone.count("card"), 0u);
}

// Glyph ids of a CID font in a PDF text object are hex strings, four digits a glyph: digits
// inside them are not phones; a number in angle brackets that is not such a string still is.
TEST(Scanner, DigitsOfAPdfGlyphStringAreNotAPhone) {
  const std::string text = "BT /F1 12 Tf [<0925>-51<01570233029a>12<01a8>4<0157>] TJ [<026802650265>-550<026e026c>] TJ ET\n";
  expect_data_not_numbers("phone", {text, utf16le(text)},
                          {"Jean <0612345678>", "<06 12 34 56 78>", "<+33612345678>", "tel <0612345678a>"});
}

// What a PDF holds besides text, and clause numbers: a font's bounding box (an array of numbers),
// a drawing's coordinates, a contract clause ("252.227-7013", DFARS), a fill pattern of repeated
// digits. None is a phone in any encoding; the same digits written as people write numbers are.
TEST(Scanner, ArraysCoordinatesClausesAndFillPatternsAreNotPhones) {
  const std::string data = "/FontBBox[-451 -316 731 1016]/Ascent 1016\n/FontBBox [ -168 -218 1000 898 ]\n"
                           "643.406 1363 m\n954.871 1363 l\nS\n850.992 1001 c\n"
                           "% Rights in Technical Data clause at DFARS 252.227-7013 subdivision (a)\n"
                           "!03.03.03.03.03! 1111111111 0606060606 \x99\xAA"
                           "8393939393Cy 0123456789 9876543210\n"
                           "/FontBBox{-451 -316 731 1016}readonly def\n0 0 100 100 re 20 20 60 60 re f\n"
                           "-8.366 -9.465 Td [(01)-750(02)-750(03)-750(04)]TJ\n"
                           "7 337 20 367 21 533 24 563\n25 739 28 774\n31 802 33 900\n/Gs3 gs 904 87 120 -30 re f\n"
                           "/release-82563aa0396805008059e3a96c2bf30b59c5\n113.4 239.14 Tm (2147483647)Tj\n"
                           "Td [(03/21/95)-525(10:00)-1050(6.0)]TJ [(T)86(el:)-457(+44)-343(1784)-342(443172)]TJ\n"
                           "q 864 70 120 500\nre W n\n1196 504 1197 1207 515 1208[430]1209\n"
                           "(TeX Live 2013) beta-0.75.0-2013031401 [<>-469.6171875<0925>]\n"
                           "A5678901234 05-04-04-04-04 13313313313\n";
  expect_data_not_numbers(
      "phone", {data, utf16le(data), fullwidth_utf8(data)},
      {"Y&Y, Inc. (508) 371-3286. All", "tel +1 212.555.0199 24h", "fr: 06.12.34.56.78\n", "call [212 555 0199]", "[0612345678]",
       "tel 252 227 7013 x", "+45 20 20 60 60 ring", "(212) 555-0199 (office)", "06 12 34 56 78 le matin",
       "Tel:\n212 555 0199\nFax", "id a1 0612345678", "0612345678 abcdef", "\n212 555 0199\n", "\n+33 6 12 34 56 78\n",
       "(212)-555-0199", "tel - 0612345678", "a-0612345678", "QualiType 1-800-950-2921 to"});
}

// A decimal number (one point, no other separator) and the digits of a UUID are not phones, in
// any encoding; numbers written with points throughout still are.
TEST(Scanner, DecimalNumbersAndUuidDigitsAreNotPhones) {
  const std::string data = "lat 901.9776975 lon -757.2018511 t=1706.4913083\n"
                           "id 3facc5f2-21ce-422a-9658-15c044550183 and 2b48cd09-9874-4563-abe9-08335e1d5d89\n"
                           "{7de85232-d050-4688-ba03-035320034d64}\n";
  expect_data_not_numbers(
      "phone", {data, utf16le(data), utf16be(data), fullwidth_utf8(data)},
      {"call 901.977.6975 now", "fr: 06.12.34.56.78\n", "id 3facc5f2 tel 044550183 x", "mobil 0172.0350501 "});
}

// A Luhn-valid stretch of a row of numbers or of a decimal fraction is not a payment card (the
// 96 MB of PDFs of bench/phone_precision.sh gave 4,751 such "cards"); a card number written as
// people write it still is one.
TEST(Scanner, RowsOfNumbersAndDecimalsAreNotCards) {
  const std::string data = " 1191 2466 1193 2605 1192 2753 1194 2902 1195 3092\n1770 4006 1773 4039 1774 4075 1777 4108\n"
                           "0.36470588235294 0.6274509803922 0.36470588235294 rg\n";
  expect_data_not_numbers("card", {data, utf16le(data), fullwidth_utf8(data)},
                          {"card 4111 1111 1111 1111.", "cc=4539148803436467;", "Visa: 4539 1488 0343 6467\n"});
}

TEST(Scanner, EmailUrlAdsIbanCards) {
  auto found = by_type(scan_text(
      "mail <Jane.Doe+x@Example.COM>, see https://www.leboncoin.fr/annonces/2345678901 and "
      "http://paris.craigslist.org/apa/d/nice-flat/7612345678.html ; {\"advertising_id\":\"38400000-8cf0-11bd-b23e-10b96e40000d\"} "
      "IBAN DE89 3704 0044 0532 0130 00 card 4111 1111 1111 1111."));
  EXPECT_EQ(found.count("email"), 1u);
  EXPECT_EQ(found.find("email")->second, "jane.doe+x@example.com");
  std::set<std::string> ads;
  for (auto [it, end] = found.equal_range("adid"); it != end; ++it) ads.insert(it->second);
  EXPECT_TRUE(ads.count("leboncoin.fr:2345678901"));
  EXPECT_TRUE(ads.count("paris.craigslist.org:7612345678"));
  EXPECT_TRUE(ads.count("maid:38400000-8cf0-11bd-b23e-10b96e40000d"));
  EXPECT_EQ(found.find("iban")->second, "DE89370400440532013000");
  EXPECT_EQ(found.find("card")->second, "4111111111111111");
  EXPECT_GE(found.count("url"), 2u);
}

// An advertising ID is found next to its key wherever apps keep it: a SQLite key/value row stores
// the two columns side by side, a binary plist puts a string marker between them. A UUID under
// no such key is not an advertising ID.
TEST(Scanner, AnAdvertisingIdBesideItsKeyInADatabaseRow) {
  const std::string row = std::string("\x05\x00'U\x02", 5) + "AdvertisingId4A9A9672-FDAE-4505-9F93-26EC66031646";
  const std::string plist = "\x5D" + std::string("advertising_id") + "\x5F\x10\x24" + "4a9a9672-fdae-4505-9f93-26ec66031646";
  for (const auto& text : {row, utf16le(row), plist}) {
    const auto found = by_type(scan_text(text));
    ASSERT_EQ(found.count("adid"), 1u);
    EXPECT_EQ(found.find("adid")->second, "maid:4a9a9672-fdae-4505-9f93-26ec66031646");
  }
  EXPECT_EQ(by_type(scan_text("session4A9A9672-FDAE-4505-9F93-26EC66031646")).count("adid"), 0u);
  EXPECT_EQ(by_type(scan_text("<idfa>x</idfa>\n4A9A9672-FDAE-4505-9F93-26EC66031646")).count("adid"), 0u);
}

// Ownership: only matches that start in [own_begin, own_end) are reported, whatever the split.
TEST(Scanner, ReportsOnlyMatchesThatStartInTheOwnedRange) {
  std::string text = std::string(300, ' ') + "+33 6 12 34 56 78" + std::string(300, ' ');
  auto b = bytes_of(text);
  for (std::size_t split = 290; split <= 320; ++split) {
    std::vector<Feature> left, right;
    builtin().scan(b, 0, split, left);
    builtin().scan(b, split, b.size(), right);
    auto is_whole = [](const Feature& f) { return f.offset == 300; };
    EXPECT_EQ(std::count_if(left.begin(), left.end(), is_whole) + std::count_if(right.begin(), right.end(), is_whole), 1) << split;
    EXPECT_EQ(std::count_if(left.begin(), left.end(), is_whole), split > 300 ? 1 : 0) << split;
  }
}

// Long digit runs (bench/make_worst_case.py): their inside is not searched, and what is found is
// what the full search finds: identifiers touching a run's ends, inside text between runs, in
// UTF-16LE right after a run, and runs cut by the owned range at every kind of place.
TEST(Scanner, SkippingTheInsideOfDigitRunsChangesNoFeature) {
  std::string digits;
  for (int i = 0; i < 3000; ++i) digits += static_cast<char>('0' + (i * 7 + i / 10) % 10);
  const std::string text = digits + " +33 6 12 34 56 78, 0612345678 " + digits + "-+442079460123 mail a1@example.org " + digits +
                           utf16le("+33 6 12 34 56 78") + digits + " card 4111 1111 1111 1111\n" + digits.substr(0, 5000 % 3000) +
                           " (202) 555-0143;" + digits + "tel:0033612345678;" + digits;
  const auto b = bytes_of(text);
  IdentifierScanner full(builtin_rules(), default_regions(), false);
  full.skip_digit_runs(false);
  ASSERT_TRUE(builtin().skips_digit_runs());
  ASSERT_FALSE(full.skips_digit_runs());
  auto key = [](const std::vector<Feature>& fs) {
    std::vector<std::tuple<std::size_t, std::uint32_t, std::uint32_t, std::string>> k;
    for (const auto& f : fs) k.emplace_back(f.offset, f.length, f.rule, f.validation.normalised);
    std::sort(k.begin(), k.end());
    return k;
  };
  std::vector<Feature> expected;
  full.scan(b, 0, b.size(), expected);
  EXPECT_EQ(expected.size(), 8u);
  for (std::size_t split : {std::size_t{0}, std::size_t{1500}, std::size_t{3001}, std::size_t{3010}, std::size_t{6040}, b.size() / 2}) {
    std::vector<Feature> got, expected_parts;
    builtin().scan(b, 0, split, got);
    builtin().scan(b, split, b.size(), got);
    full.scan(b, 0, split, expected_parts);
    full.scan(b, split, b.size(), expected_parts);
    EXPECT_EQ(key(got), key(expected_parts)) << split;
    EXPECT_EQ(key(got), key(expected)) << split;
  }
}

// A rule that may start with a digit and has no digit boundary turns the skipping off.
TEST(Scanner, ARuleThatCanStartInsideADigitRunKeepsTheFullSearch) {
  IdentifierScanner digits_anywhere(parse_rule_pack("[d]\ntype = d\npattern = 5\\d{3}x\n", "r"), {}, false);
  EXPECT_FALSE(digits_anywhere.skips_digit_runs());
  std::vector<Feature> found;
  const auto b = bytes_of(std::string(10000, '1') + "5123x");
  digits_anywhere.scan(b, 0, b.size(), found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].offset, 10000u);
  IdentifierScanner bounded(parse_rule_pack("[d]\ntype = d\npattern = 5\\d{3}x\nboundary = digit\n", "r"), {}, false);
  EXPECT_TRUE(bounded.skips_digit_runs());
  IdentifierScanner extended(parse_rule_pack("[d]\ntype = d\npattern = 5\\d{3}x\nboundary = digit\nextend_left = [0-9] 4\n", "r"), {}, false);
  EXPECT_FALSE(extended.skips_digit_runs());
}

}  // namespace
}  // namespace trawl::detail

// ---- through the whole pass: planted identifiers in a generated image ----------------------

namespace trawl::detail {
namespace {

struct Planted {
  std::string what;       // bytes to plant
  std::string type;       // expected feature type
  std::string normalised; // expected histogram key
};

std::string deflate_raw(const std::string& text, int window_bits) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A ZIP local file header + deflated member (enough for a carver or a decoder to find it).
std::string zip_member(const std::string& name, const std::string& text) {
  std::string data = deflate_raw(text, -15);
  auto le16 = [](unsigned v) { return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; };
  auto le32 = [&](unsigned long v) { return le16(v & 0xffff) + le16(v >> 16); };
  return "PK\x03\x04" + le16(20) + le16(0) + le16(8) + le16(0) + le16(0) + le32(crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()))) +
         le32(data.size()) + le32(text.size()) + le16(name.size()) + le16(0) + name + data;
}

// A real SQLite database file with identifiers in a table, made with the SQLite library.
std::string sqlite_file(const test::fs::path& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "CREATE TABLE contacts(name TEXT, phone TEXT, mail TEXT);"
               "INSERT INTO contacts VALUES('Ana','+34 612 345 678','ana.lopez@correo.es');"
               "INSERT INTO contacts VALUES('Bo','+46 70 123 45 67','bo@example.se');",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return test::read_text(path);
}

struct Image {
  std::vector<std::byte> bytes;
};

void put(std::vector<std::byte>& image, std::size_t at, const std::string& s) {
  std::memcpy(image.data() + at, s.data(), s.size());
}

class PlantedImage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    test::TempDir scratch;
    auto& image = bytes();
    image = test::random_bytes(3 << 20, 77);
    // Random filler must not hold identifiers by chance: blank the bytes that could form them.
    for (auto& b : image) {
      auto c = static_cast<unsigned char>(b);
      if (std::isalnum(c) || c == '@' || c == '+' || c == 0x1f || c == 'P' || c == 0x78) b = std::byte{0};
    }
    put(image, 1000, "<html><body>Call <b>+33 6 12 34 56 78</b> or write to <a href=\"mailto:Marie.Dupont@Example.fr\">us</a></body></html>");
    put(image, 5000, utf16le("WhatsApp +44 7911 123456 | contact: lee.chan@mail.co.uk"));
    put(image, 9000, fullwidth_utf8("+86 138 0013 8000"));
    put(image, 12000, "ts=1700000000123 v10.0.19045.3803 id 0x7ffe12345678 serial SN-00012345678901 2024-01-15T10:22:33Z");
    // Across the 64 KiB and 1 MiB page boundaries of the geometries below.
    put(image, 65536 - 7, "tel 06 12 34 56 78 fin");
    put(image, (1 << 20) - 12, "info@straddle.example.com ");
    put(image, 200000, sqlite_file(scratch / "c.db"));
    std::string gz = std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) + deflate_raw("secret: +49 30 901820 and x@y.de", -15) +
                     std::string(8, '\0');
    put(image, 400000, gz);
    put(image, 500000, zip_member("notes.txt", "ad https://www.leboncoin.fr/annonces/2345678901 call 06-12-34-56-78"));
    put(image, 600000, "again 0033612345678 and +33 (0)6 12 34 56 78");
    // A binary plist's non-ASCII string is UTF-16BE (here with a NUL-free ASCII neighbour after it).
    put(image, 700000, utf16be("T\xE9l: +41 78 211 77 51, anne.muller@example.ch") + "\x5F\x10");
  }
  static std::vector<std::byte>& bytes() {
    static std::vector<std::byte> b;
    return b;
  }
  // features/<type>.txt contents and the JSON Lines feature records of one run.
  static std::string run(test::TempDir& dir, const std::string& name, std::size_t page, std::size_t margin, unsigned threads,
                         std::vector<nlohmann::json>* records = nullptr, const std::string& watchlist = "",
                         PrefilterMode prefilter = PrefilterMode::automatic) {
    test::MemorySource source(bytes());
    ScanOptions o;
    o.page_size = page;
    o.margin = margin;
    o.threads = threads;
    o.buffers = 3;
    o.image_hashes = {};
    o.block_hashes = {};
    o.carve.types = {};
    o.backend = BackendKind::cpu;
    o.output = dir / name;
    o.identifiers.watchlist = watchlist;
    o.identifiers.prefilter = prefilter;
    struct Collect : Observer {
      std::vector<nlohmann::json>* out;
      void on_record(std::string_view line) override {
        auto j = nlohmann::json::parse(line);
        if (out && (j["record"] == "feature" || j["record"] == "alert")) out->push_back(j);
      }
    } collect;
    collect.out = records;
    scan(source, o, &collect);
    std::string all;
    for (const auto& entry : std::filesystem::directory_iterator(o.output / "features")) {
      if (entry.path().extension() != ".txt" && entry.path().filename() != "features.jsonl") continue;
      std::string text = test::read_text(entry.path());
      all += "== " + entry.path().filename().string() + "\n" + text.substr(text.find("Feature-File-Version: 1.1\n") == std::string::npos ? 0 : text.find("Feature-File-Version: 1.1\n")) ;
    }
    return all;
  }
};

TEST_F(PlantedImage, FindsEveryPlantedIdentifierAndNoDecoy) {
  test::TempDir dir;
  std::vector<nlohmann::json> records;
  run(dir, "out", 64 << 10, 8 << 10, 2, &records);
  std::multiset<std::string> got;
  for (const auto& r : records) got.insert(r["type"].get<std::string>() + " " + r["normalised"].get<std::string>() + " @" + r["path"].get<std::string>());
  auto has = [&](const std::string& type, const std::string& key) {
    return std::any_of(got.begin(), got.end(), [&](const std::string& g) { return g.rfind(type + " " + key + " @", 0) == 0; });
  };
  EXPECT_TRUE(has("phone", "+33612345678"));
  EXPECT_TRUE(has("email", "marie.dupont@example.fr"));
  EXPECT_TRUE(has("phone", "+447911123456"));  // UTF-16LE
  EXPECT_TRUE(has("email", "lee.chan@mail.co.uk"));
  EXPECT_TRUE(has("phone", "+8613800138000"));  // full-width
  EXPECT_TRUE(has("email", "info@straddle.example.com"));
  EXPECT_TRUE(has("phone", "+34612345678"));  // inside the SQLite file
  EXPECT_TRUE(has("phone", "+46701234567"));
  // SQLite packs column values without separators: the address follows the number's last digits.
  EXPECT_TRUE(std::any_of(got.begin(), got.end(), [](const std::string& g) { return g.find("ana.lopez@correo.es @") != std::string::npos; }));
  EXPECT_TRUE(has("phone", "+41782117751"));  // UTF-16BE, whole
  EXPECT_TRUE(has("email", "anne.muller@example.ch"));
  EXPECT_TRUE(has("phone", "+4930901820"));  // inside gzip
  EXPECT_TRUE(has("email", "x@y.de"));
  EXPECT_TRUE(has("adid", "leboncoin.fr:2345678901"));  // inside a ZIP member
  EXPECT_TRUE(std::count_if(got.begin(), got.end(), [](const std::string& g) { return g.find("@400000-GZIP-") != std::string::npos; }) >= 2);
  EXPECT_TRUE(std::count_if(got.begin(), got.end(), [](const std::string& g) { return g.find("@500000-ZIP-") != std::string::npos; }) >= 2);
  for (const auto& r : records) {
    auto offset = r["offset"].get<std::uint64_t>();
    EXPECT_FALSE(offset >= 12000 && offset < 12200) << "decoy reported: " << r.dump();
  }
}

TEST_F(PlantedImage, FeaturesJsonlHoldsEveryStreamedFeatureRecordInOrder) {
  test::TempDir dir;
  std::vector<nlohmann::json> records;
  run(dir, "out", 64 << 10, 8 << 10, 2, &records);
  std::string expected;
  for (const auto& r : records)
    if (r["record"] == "feature") expected += r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  EXPECT_GT(records.size(), 10u);
  EXPECT_EQ(test::read_text(dir / "out" / "features" / "features.jsonl"), expected);
}

TEST_F(PlantedImage, DifferentSpellingsOfOneNumberShareOneKey) {
  test::TempDir dir;
  run(dir, "out", 1 << 20, 64 << 10, 2);
  std::string histogram = test::read_text(dir / "out" / "features" / "phone_histogram.txt");
  // +33 6 12 34 56 78, 06 12 34 56 78 (FR region by grouping), 0612345678 in the ZIP, 0033..., +33 (0)6...
  EXPECT_NE(histogram.find("n=5\t+33612345678"), std::string::npos) << histogram;
}

TEST_F(PlantedImage, FeaturesAreIdenticalForEveryChunkGeometryAndThreadCount) {
  test::TempDir dir;
  std::string reference = run(dir, "a", 16 << 20, 1 << 20, 1);
  if (std::getenv("TRAWL_DUMP")) {
    std::ofstream("/tmp/ref.txt") << reference;
    std::ofstream("/tmp/b.txt") << run(dir, "b2", 64 << 10, 8 << 10, 2);
  }
  ASSERT_NE(reference.find("+33 6 12 34 56 78"), std::string::npos);
  EXPECT_EQ(run(dir, "b", 64 << 10, 8 << 10, 2), reference);
  EXPECT_EQ(run(dir, "c", 8 << 10, 8 << 10, 3), reference);  // the smallest margins that hold a URL
  EXPECT_EQ(run(dir, "d", 1 << 20, 64 << 10, 2), reference);
}

// The GPU prefilter's per-item function, run on the host: scanning only the marked windows
// finds exactly what scanning everything finds.
TEST_F(PlantedImage, EmulatedPrefilterLaunchChangesNoResult) {
  test::TempDir dir;
  std::vector<nlohmann::json> all, filtered;
  std::string reference = run(dir, "off", 64 << 10, 8 << 10, 2, &all, "", PrefilterMode::off);
  EXPECT_EQ(run(dir, "emulated", 64 << 10, 8 << 10, 2, &filtered, "", PrefilterMode::emulated), reference);
  EXPECT_EQ(filtered, all);
  EXPECT_EQ(run(dir, "emulated-big", 1 << 20, 64 << 10, 1, nullptr, "", PrefilterMode::emulated), reference);
}

TEST(Prefilter, MarksOnlyWindowsWithATrigger) {
  auto data = test::random_bytes(64 * 4096, 5);
  for (auto& b : data)
    if (std::isdigit(static_cast<unsigned char>(b)) || b == std::byte{'@'} || b == std::byte{':'} || b == std::byte{'-'} ||
        b == std::byte{0xEF} || b == std::byte{0xFF})
      b = std::byte{0};
  put(data, 3 * 4096 + 100, "tel 0612345678");
  put(data, 10 * 4096 - 3, "a@b");  // the trigger starts in window 9
  put(data, 20 * 4096 + 7, utf16le("0612345678"));
  put(data, 22 * 4096 + 5, utf16be("0612345678"));
  put(data, 32 * 4096 + 3, utf16be("https://x"));
  put(data, 30 * 4096 + 1, "http://x");
  put(data, 40 * 4096 + 2, "38400000-8cf0-11bd-b23e-10b96e40000d");
  put(data, 50 * 4096 + 9, fullwidth_utf8("138 0013 8000"));
  put(data, 60 * 4096 + 9, "12 34 5");  // five digits only: no trigger
  std::vector<std::uint8_t> marks(64);
  const kernels::IdentifierPrefilterItem item{reinterpret_cast<const unsigned char*>(data.data()), data.size(), 4096, marks.data()};
  ASSERT_EQ(item.windows(), 64u);
  kernels::emulated_launch(item.count(), item);
  std::vector<int> marked;
  for (int w = 0; w < 64; ++w)
    if (marks[static_cast<std::size_t>(w)]) marked.push_back(w);
  EXPECT_EQ(marked, (std::vector<int>{3, 9, 20, 22, 30, 32, 40, 50}));
}

// The kernel works in 64-byte stripes that each set their window's mark: whatever the order the
// stripes run in, a window is marked exactly when a trigger starts anywhere in it, including in
// its last bytes, in a final short window, and with triggers that run into the next stripe.
TEST(Prefilter, StripesMarkWhatAWholeWindowScanMarks) {
  for (const std::size_t size : {std::size_t{64} * 4096, std::size_t{64} * 4096 - 1000, std::size_t{100}}) {
    auto data = test::random_bytes(size, 77 + size);
    for (std::size_t at = 13; at + 40 < data.size(); at += 9973) put(data, at, at % 2 ? "x@y" : "0612345678");
    if (data.size() > 4096 * 5) put(data, 5 * 4096 - 2, "06123456");  // starts in window 4, runs into 5
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    std::vector<std::uint8_t> marks(64, 0);
    const kernels::IdentifierPrefilterItem item{bytes, data.size(), 4096, marks.data()};
    ASSERT_LE(item.windows(), marks.size());
    for (std::uint64_t s = item.count(); s-- > 0;) item(s);  // last stripe first
    for (std::uint64_t w = 0; w < item.windows(); ++w) {
      bool any = false;
      for (std::uint64_t i = w * 4096; i < std::min<std::uint64_t>((w + 1) * 4096, data.size()) && !any; ++i) any = item.trigger_at(i);
      EXPECT_EQ(marks[w], any ? 1 : 0) << "size " << size << " window " << w;
    }
    for (std::uint64_t w = item.windows(); w < marks.size(); ++w) EXPECT_EQ(marks[w], 0) << "past the data";
  }
}

TEST_F(PlantedImage, WatchlistHitsBecomeAlertsWhateverTheSpelling) {
  test::TempDir dir;
  test::write_file(dir / "watch.txt", bytes_of("# known numbers\n06 12 34 56 78\tcall centre A\nLEBONCOIN.FR:2345678901,ad 17\n+1 999 999 9999\tnever seen\n"));
  std::vector<nlohmann::json> records;
  run(dir, "out", 1 << 20, 64 << 10, 2, &records, (dir / "watch.txt").string());
  int alerts = 0;
  for (const auto& r : records)
    if (r["record"] == "alert") ++alerts;
  EXPECT_EQ(alerts, 5 + 1);
  auto summary = nlohmann::json::parse(test::read_text(dir / "out" / "summary.json"));
  EXPECT_EQ(summary["identifiers"]["watchlist"]["entries"][0]["hits"], 5);
  EXPECT_EQ(summary["identifiers"]["watchlist"]["entries"][1]["hits"], 1);
  EXPECT_EQ(summary["identifiers"]["watchlist"]["entries"][2]["hits"], 0);
}

TEST_F(PlantedImage, MarginTooSmallForTheRulesIsAUsageError) {
  test::MemorySource source(bytes());
  ScanOptions o;
  o.page_size = 4096;
  o.margin = 512;
  try {
    scan(source, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::options);
    EXPECT_NE(std::string(e.what()).find("ScanOptions::margin must be at least"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trawl::detail
