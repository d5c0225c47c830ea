#!/usr/bin/env python3
"""Labelled evaluation set for trawl's identifier search (phones, e-mail, URLs, ad IDs, IBANs,
payment cards) and for its false leads (decoys that must not be reported).

The image DIR/eval.img is a sequence of containers at 4096-aligned offsets, separated by filler
made of real files from /usr/share/doc and /usr/share/common-licenses. Each container holds planted
items of one encoding:

  text      plain text document                   ascii, utf16le, utf16be, fullwidth
  html      HTML table, links (href=mailto:/tel:) ascii, utf16le, fullwidth
  json      JSON export                           ascii, fullwidth
  csv       CSV export (UTF-16LE: tab-separated)  ascii, utf16le
  sqlite    SQLite database file                  ascii (UTF-8), utf16le (PRAGMA encoding), fullwidth
  bplist    binary plist (plistlib)               ascii, utf16be (strings with accents)
  gzip      gzip member of a text document        ascii, utf16le
  zip       deflated ZIP members (txt, json)      ascii, utf16le
  pdf       FlateDecode page content, (..) Tj     ascii

"fullwidth" is UTF-8 with the identifier in full-width forms (U+FF01..U+FF5E, U+3000 for space).

DIR/truth.jsonl holds one line per planted item: type (phone, email, url, adid, card, iban,
decoy), form, encoding, container, container_id, written (as written), expect (the normalised
value trawl should report: E.164 for phones, lower-case e-mail, maid:<uuid> for ad IDs, compact
IBAN, card digits; null for decoys), country (phones), offset (the image offset of the written
item for containers that store it as is; for gzip, zip and pdf the forensic path where trawl
reports decoded data: STREAM-GZIP-N, LOCALHEADER-ZIP-N, STREAM-ZLIB-N) and length (bytes).
DIR/containers.jsonl holds each container's span, for bench/score_identifiers.py.

Phone numbers come from mobile (or, for NANP and MX, geographic) ranges that libphonenumber
accepts; national forms are written only for countries whose national numbers are not also valid
in a region earlier in --regions (a Swiss 078 or a Dutch 06 number is French when FR comes
first). The same seed on the same machine gives the same bytes.

  python3 bench/make_identifier_eval.py --seed 1 --out /tmp/ideval1
  build/host/trawl scan /tmp/ideval1/eval.img --carve none -q -o /tmp/ideval1-scan \
      --regions BE,FR,DE,CH,IT,ES,NL,GB,US,BR,IN,CN
  python3 bench/score_identifiers.py --truth /tmp/ideval1/truth.jsonl --features /tmp/ideval1-scan/features

(trawl refuses an output folder inside the evidence's folder, hence OUT-scan beside OUT.)
"""
import argparse
import gzip
import io
import json
import os
import plistlib
import random
import sqlite3
import string
import sys
import tempfile
import zipfile
import zlib

ALIGN = 4096
DEFAULT_REGIONS = "BE,FR,DE,CH,IT,ES,NL,GB,US,BR,IN,CN"
FILLER_ROOTS = ("/usr/share/doc", "/usr/share/common-licenses")

# ---------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------

# region: (country calling code, trunk prefix, [(NSN prefix, NSN length)], display groups).
# Ranges: mobile ranges of libphonenumber's metadata (US/CA/MX: area codes, all numbers there
# are fixed_or_mobile). The groups split the NSN for display; the last group takes the rest.
PHONE_COUNTRIES = {
    "BE": ("32", "0", [(p, 9) for p in ("470", "471", "472", "473", "474", "475", "476", "477", "478", "479",
                                        "483", "484", "485", "486", "487", "488", "489", "491", "492", "493",
                                        "494", "495", "496", "497", "498", "499")], [3, 2, 2, 2]),
    "FR": ("33", "0", [(p, 9) for p in ("60", "61", "62", "64", "65", "66", "67", "68", "75", "76", "77", "78")], [1, 2, 2, 2, 2]),
    "DE": ("49", "0", [("151", 11), ("152", 11), ("157", 11), ("160", 10), ("170", 10), ("171", 10),
                       ("172", 10), ("175", 10), ("176", 11), ("177", 11), ("178", 11), ("179", 11)], [3, 8]),
    "CH": ("41", "0", [("76", 9), ("77", 9), ("78", 9), ("79", 9)], [2, 3, 2, 2]),
    "IT": ("39", "", [(p, 10) for p in ("320", "328", "329", "330", "333", "335", "338", "339", "340", "347",
                                        "348", "349", "366", "380", "388", "389", "392", "393")], [3, 3, 4]),
    "ES": ("34", "", [(p, 9) for p in ("600", "606", "610", "615", "620", "626", "630", "639", "644", "650",
                                       "655", "660", "666", "670", "679", "680", "686", "690", "695", "699")], [3, 3, 3]),
    "NL": ("31", "0", [("61", 9), ("62", 9), ("63", 9), ("64", 9), ("65", 9)], [1, 2, 2, 2, 2]),
    "GB": ("44", "0", [(p, 10) for p in ("71", "72", "73", "771", "772", "773", "774", "775", "776", "777",
                                         "780", "781", "784", "785", "786", "787", "788", "789", "790", "792",
                                         "794", "795", "796", "797", "798", "799")], [4, 6]),
    "IE": ("353", "0", [("83", 9), ("85", 9), ("86", 9), ("87", 9), ("89", 9)], [2, 3, 4]),
    "PT": ("351", "", [("91", 9), ("92", 9), ("93", 9), ("96", 9)], [3, 3, 3]),
    "AT": ("43", "0", [("664", 10), ("660", 10), ("676", 10), ("680", 10), ("650", 10)], [3, 7]),
    "PL": ("48", "", [(p, 9) for p in ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")], [3, 3, 3]),
    "SE": ("46", "0", [("70", 9), ("72", 9), ("73", 9), ("76", 9), ("79", 9)], [2, 3, 2, 2]),
    "NO": ("47", "", [(p, 8) for p in ("40", "41", "45", "46", "47", "48", "90", "91", "92", "93", "94", "95",
                                       "97", "98", "99")], [3, 2, 3]),
    "DK": ("45", "", [(p, 8) for p in ("20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
                                       "40", "42", "50", "51", "52", "53", "60", "61")], [2, 2, 2, 2]),
    "US": ("1", "", [(p, 10) for p in ("212", "415", "617", "312", "202", "305", "646", "718", "213", "206",
                                       "503", "702", "404", "512")], [3, 3, 4]),
    "CA": ("1", "", [(p, 10) for p in ("416", "647", "514", "604", "613", "403", "780", "905")], [3, 3, 4]),
    "BR": ("55", "0", [(p + "9", 11) for p in ("11", "21", "31", "41", "51", "61", "71", "81", "47")], [2, 5, 4]),
    "IN": ("91", "0", [("94", 10), ("96", 10), ("97", 10), ("98", 10), ("99", 10)], [5, 5]),
    "CN": ("86", "0", [(p, 11) for p in ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                                         "151", "152", "153", "155", "156", "158", "159", "180", "181", "186",
                                         "187", "188", "189")], [3, 4, 4]),
    "JP": ("81", "0", [(a + b, 10) for a in ("90", "80", "70") for b in "123456789"], [2, 4, 4]),
    "AU": ("61", "0", [("40", 9), ("41", 9), ("42", 9), ("43", 9)], [3, 3, 3]),
    "MX": ("52", "", [("55", 10), ("33", 10), ("81", 10)], [2, 4, 4]),
    "TR": ("90", "0", [(p, 10) for p in ("530", "532", "533", "535", "536", "537", "538", "539", "541", "542",
                                         "543", "544", "545", "505", "506", "507", "551", "552", "553")], [3, 3, 2, 2]),
    "NG": ("234", "0", [(p, 10) for p in ("803", "806", "813", "816", "703", "706", "810")], [3, 3, 4]),
}
NANP = ("US", "CA")
# Where "+CC (0)..." is how people write numbers.
TRUNK_ZERO_WRITERS = ("BE", "FR", "DE", "CH", "NL", "GB", "IE", "AT", "SE", "AU")
# National forms: the regions written, and the regions whose metadata also accepts their national
# numbers (trawl reads a national number in the first region of --regions that accepts it; IT
# keeps the leading 0 of its fixed lines, so takes most 0-prefixed numbers of 10-11 digits). CN
# mobiles are written without a prefix, as in China.
NATIONAL_WRITERS = ("BE", "FR", "DE", "GB", "CH", "NL")
NATIONAL_SHADOWED_BY = {"CH": {"FR"}, "NL": {"FR"}, "GB": {"DE", "IT"}}


def patterned_digits(digits):
    """Digits trawl rightly drops as made up: a repeated group of 1-3 digits or a counting run."""
    for skip in range(3):
        d = digits[skip:]
        for period in (1, 2, 3):
            if len(d) >= 8 and all(d[i] == d[i - period] for i in range(period, len(d))):
                return True
    for step in (1, -1):
        if len(digits) >= 8 and all((int(digits[i]) - int(digits[i - 1])) % 10 == step % 10 for i in range(1, len(digits))):
            return True
    return False


def random_nsn(rng, region):
    """A national significant number of a valid range of the region, without a made-up pattern."""
    _, _, ranges, _ = PHONE_COUNTRIES[region]
    while True:
        prefix, length = rng.choice(ranges)
        rest = [rng.choice(string.digits) for _ in range(length - len(prefix))]
        if region in NANP:  # exchange NXX: 2-9, not N11, not 555
            rest[0] = rng.choice("23456789")
            if rest[1] == rest[2] == "1" or rest[:3] == ["5", "5", "5"]:
                continue
        if region == "BR":  # mobile: 9 then 6-9
            rest[0] = rng.choice("6789")
        nsn = prefix + "".join(rest)
        if not patterned_digits(nsn) and "0000" not in nsn:
            return nsn


def group_nsn(region, nsn):
    sizes = PHONE_COUNTRIES[region][3]
    groups, at = [], 0
    for i, size in enumerate(sizes):
        if at >= len(nsn):
            break
        end = len(nsn) if i == len(sizes) - 1 else at + size
        groups.append(nsn[at:end])
        at = end
    if at < len(nsn):
        groups.append(nsn[at:])
    return groups


def write_phone(form, region, nsn):
    """The phone number as written in one of the forms of PHONE_FORMS."""
    cc, trunk, _, _ = PHONE_COUNTRIES[region]
    g = group_nsn(region, nsn)
    if form == "intl_spaces":
        return f"+{cc} " + " ".join(g)
    if form == "intl_dashes":
        return f"+{cc}-" + "-".join(g)
    if form == "intl_dots":
        return f"+{cc}." + ".".join(g)
    if form == "intl_compact":
        return f"+{cc}{nsn}"
    if form == "intl_00":
        return f"00{cc} " + " ".join(g)
    if form == "intl_trunk0":
        return f"+{cc} (0)" + " ".join(g)
    if region == "CN":  # Chinese mobiles are written without the trunk prefix
        trunk = ""
    if form == "national_compact":
        return trunk + nsn
    if form == "national_spaces":
        return trunk + " ".join(g) if region != "FR" else " ".join(pairs(trunk + nsn))
    if form == "national_dots":
        return ".".join(pairs(trunk + nsn)) if region == "FR" else trunk + ".".join(g)
    if form == "nanp_parens":
        return f"({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}"
    if form == "nanp_dashes":
        return f"{nsn[:3]}-{nsn[3:6]}-{nsn[6:]}"
    if form == "tel_uri":
        return f"tel:+{cc}{nsn}"
    if form == "vcard_tel":
        return f"TEL;TYPE=CELL:+{cc} " + " ".join(g)
    if form == "whatsapp_jid":
        return f"{cc}{nsn}@s.whatsapp.net"
    raise ValueError(form)


def pairs(s):
    return [s[i:i + 2] for i in range(0, len(s), 2)]


def phone_form_regions(form, regions):
    """The regions a form is written for (national forms: only those trawl can resolve)."""
    if form.startswith("nanp_"):
        return [r for r in NANP if r in regions or "US" in regions]
    if form == "intl_trunk0":
        return list(TRUNK_ZERO_WRITERS)
    if form.startswith("national_"):
        out = []
        for r in NATIONAL_WRITERS + ("CN",):
            if r not in regions:
                continue
            earlier = set(regions[:regions.index(r)])
            if NATIONAL_SHADOWED_BY.get(r, set()) & earlier:
                continue
            if r == "CN" and form == "national_dots":
                continue
            out.append(r)
        return out
    return sorted(PHONE_COUNTRIES)


PHONE_FORMS = ["intl_spaces", "intl_dashes", "intl_dots", "intl_compact", "intl_00", "intl_trunk0",
               "national_compact", "national_spaces", "national_dots", "nanp_parens", "nanp_dashes",
               "tel_uri", "vcard_tel", "whatsapp_jid"]

# ---------------------------------------------------------------------------------------------
# E-mail, URLs, ad IDs, IBANs, cards
# ---------------------------------------------------------------------------------------------

FIRST = ["jean", "marie", "lucas", "emma", "noah", "lea", "thomas", "sofia", "pieter", "anke", "giulia", "marco",
         "carmen", "diego", "oliver", "amelia", "sean", "aoife", "joao", "ines", "lukas", "zofia", "erik", "ingrid",
         "mads", "freja", "james", "olivia", "wei", "li", "haruto", "yui", "priya", "arjun", "chioma", "emeka"]
LAST = ["dupont", "martin", "peeters", "janssens", "muller", "schmidt", "rossi", "bianchi", "garcia", "lopez",
        "devries", "jansen", "smith", "jones", "murphy", "silva", "huber", "nowak", "andersson", "hansen",
        "nielsen", "johnson", "wang", "zhang", "sato", "tanaka", "sharma", "okafor", "yilmaz", "hernandez"]
MAIL_DOMAINS = ["gmail.com", "yahoo.fr", "outlook.com", "web.de", "orange.fr", "telenet.be", "hotmail.co.uk",
                "gmx.ch", "libero.it", "proton.me", "icloud.com", "qq.com", "mail.ru", "free.fr", "skynet.be"]
ORG_WORDS = ["acme", "nordwind", "bluefin", "harbor", "vertex", "lumen", "cobalt", "meridian", "juniper", "orchid",
             "granite", "saffron", "polaris", "quartz", "tundra", "willow"]
TLDS = ["com", "org", "net", "be", "fr", "de", "ch", "nl", "co.uk", "io", "eu"]
PATH_WORDS = ["contact", "about", "shop", "item", "news", "blog", "article", "profile", "search", "api", "v1",
              "users", "orders", "help", "login", "media"]

EMAIL_FORMS = ["plain", "plus_tag", "subdomain", "mailto"]
URL_FORMS = ["http", "https", "query", "port"]
ADID_FORMS = ["advertising_id", "AdvertisingId", "idfa", "gaid"]
IBAN_FORMS = ["compact", "grouped"]
CARD_FORMS = ["spaced", "compact", "dashed"]

# country: BBAN layout, n = digit, a = upper-case letter, c = letter or digit
IBAN_LAYOUTS = {"BE": "nnnnnnnnnnnn", "FR": "nnnnnnnnnnccccccccccccc", "DE": "nnnnnnnnnnnnnnnnnn",
                "NL": "aaaannnnnnnnnn", "ES": "nnnnnnnnnnnnnnnnnnnn", "IT": "annnnnnnnnncccccccccccc",
                "GB": "aaaannnnnnnnnnnnnn", "CH": "nnnnncccccccccccc", "LU": "nnnccccccccccccc",
                "AT": "nnnnnnnnnnnnnnnn", "PT": "nnnnnnnnnnnnnnnnnnnnn", "PL": "nnnnnnnnnnnnnnnnnnnnnnnn"}


def local_part(rng):
    f, l = rng.choice(FIRST), rng.choice(LAST)
    return rng.choice([f"{f}.{l}", f"{f}{l}{rng.randint(1, 99)}", f"{f[0]}.{l}", f"{f}_{l}", f"{l}.{f}{rng.randint(1, 9)}"])


def write_email(rng, form):
    if form == "plain":
        return f"{local_part(rng)}@{rng.choice(MAIL_DOMAINS)}"
    if form == "plus_tag":
        return f"{local_part(rng)}+{rng.choice(['shop', 'news', 'work', 'spam', 'bank'])}@{rng.choice(MAIL_DOMAINS)}"
    if form == "subdomain":
        return f"{local_part(rng)}@{rng.choice(['mail', 'staff', 'corp', 'eu'])}.{rng.choice(ORG_WORDS)}.{rng.choice(TLDS)}"
    if form == "mailto":
        return f"mailto:{local_part(rng)}@{rng.choice(MAIL_DOMAINS)}"
    raise ValueError(form)


def email_expect(written):
    return written[len("mailto:"):] if written.startswith("mailto:") else written


def write_url(rng, form):
    host = f"{rng.choice(['www.', '', 'shop.', 'm.'])}{rng.choice(ORG_WORDS)}{rng.choice(['', '-' + rng.choice(ORG_WORDS)])}.{rng.choice(TLDS)}"
    path = "/".join(rng.choice(PATH_WORDS) for _ in range(rng.randint(1, 3)))
    if form == "http":
        return f"http://{host}/{path}.html"
    if form == "https":
        return f"https://{host}/{path}"
    if form == "query":
        return f"https://{host}/{path}?q={rng.choice(PATH_WORDS)}&id={rng.randint(100, 99999)}&lang={rng.choice(['fr', 'en', 'nl', 'de'])}"
    if form == "port":
        return f"http://{host}:{rng.choice([8080, 8443, 3000, 8000])}/{path}"
    raise ValueError(form)


def random_uuid(rng, upper=False):
    h = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    h = h[:12] + "4" + h[13:16] + rng.choice("89ab") + h[17:]
    u = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return u.upper() if upper else u


def iban_check_digits(country, bban):
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{98 - number % 97:02d}"


def random_iban(rng):
    country = rng.choice(sorted(IBAN_LAYOUTS))
    bban = "".join(rng.choice(string.digits if k == "n" else string.ascii_uppercase if k == "a"
                              else string.digits + string.ascii_uppercase) for k in IBAN_LAYOUTS[country])
    return country + iban_check_digits(country, bban) + bban


def luhn_complete(partial):
    """The digit that makes partial + digit pass the Luhn check."""
    total = 0
    for i, c in enumerate(reversed(partial)):
        d = int(c)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def random_card(rng):
    while True:
        prefix = rng.choice(["4", "4", "51", "52", "53", "54", "55", "2221", "2720"])
        body = prefix + "".join(rng.choice(string.digits) for _ in range(15 - len(prefix)))
        number = body + luhn_complete(body)
        if not patterned_digits(number):
            return number


def write_card(form, number):
    groups = [number[i:i + 4] for i in range(0, 16, 4)]
    return {"spaced": " ".join(groups), "compact": number, "dashed": "-".join(groups)}[form]


# ---------------------------------------------------------------------------------------------
# Decoys: digits that are data, not identifiers
# ---------------------------------------------------------------------------------------------

DECOY_FORMS = ["pdf_coords", "zip4", "isbn", "uuid", "sha1", "sha256", "unix_ts", "unix_ms", "version", "date",
               "serial", "imei", "number_row", "number_array", "decimal", "amount"]
US_PLACES = [("Boston", "MA", "021"), ("Cambridge", "MA", "021"), ("Hartford", "CT", "061"), ("Newark", "NJ", "071"),
             ("Providence", "RI", "029"), ("Portland", "ME", "041"), ("New York", "NY", "100"), ("Austin", "TX", "787"),
             ("Seattle", "WA", "981"), ("San Jose", "CA", "951"), ("Burlington", "VT", "054"), ("Concord", "NH", "033")]


def write_decoy(rng, form):
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))
    if form == "pdf_coords":
        return f"{rng.randint(10, 999)}.{d(3)} {rng.randint(1000, 9999)}.{d(2)} {rng.choice('ml')}"
    if form == "zip4":
        city, state, zip3 = rng.choice(US_PLACES)
        return f"{city}, {state} {zip3}{d(2)}-{rng.randint(1000, 9999)}"
    if form == "isbn":
        body = "978" + str(rng.randint(0, 9)) + d(8)
        check = (10 - sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body)) % 10) % 10
        cut = rng.randint(5, 7)
        return f"{body[:3]}-{body[3]}-{body[4:cut]}-{body[cut:]}-{check}"
    if form == "uuid":
        return random_uuid(rng, upper=rng.random() < 0.3)
    if form == "sha1":
        return "".join(rng.choice("0123456789abcdef") for _ in range(40))
    if form == "sha256":
        return "".join(rng.choice("0123456789abcdef") for _ in range(64))
    if form == "unix_ts":
        return str(rng.randint(1_000_000_000, 1_799_999_999))
    if form == "unix_ms":
        return str(rng.randint(1_000_000_000_000, 1_799_999_999_999))
    if form == "version":
        return rng.choice([f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}-{rng.randint(1, 12)}+deb12u{rng.randint(1, 9)}",
                           f"{rng.randint(3, 6)}.{rng.randint(0, 19)}.0-{rng.randint(10, 30)}-amd64",
                           f"1:{rng.randint(1, 9)}.{rng.randint(10, 99)}.{rng.randint(0, 9)}-{rng.randint(1, 9)}",
                           f"20{rng.randint(10, 24)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}.{rng.randint(1, 9)}-{rng.randint(1, 5)}"])
    if form == "date":
        y, m, dd = rng.randint(1990, 2025), rng.randint(1, 12), rng.randint(1, 28)
        hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
        return rng.choice([f"{y}-{m:02d}-{dd:02d}", f"{dd:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{dd:02d} {hh:02d}:{mm:02d}:{ss:02d}",
                           f"{dd:02d}.{m:02d}.{y} {hh:02d}:{mm:02d}"])
    if form == "serial":
        chars = string.ascii_uppercase + string.digits
        return rng.choice(["C02", "FVF", "SN", "5CG", "PF"]) + "".join(rng.choice(chars) for _ in range(rng.randint(8, 10)))
    if form == "imei":
        body = "35" + d(12)
        return body + luhn_complete(body)
    if form == "number_row":
        return " ".join(str(rng.choice([0, 0, rng.randint(1, 999)])) for _ in range(rng.randint(4, 6)))
    if form == "number_array":
        return "[ " + " ".join(str(rng.randint(100, 999)) for _ in range(rng.randint(3, 8))) + " ]"
    if form == "decimal":
        return f"{rng.choice(['', '-'])}{rng.randint(0, 9999)}.{d(rng.randint(4, 8))}"
    if form == "amount":
        return f"{rng.randint(1, 99)} {d(3)} {d(3)},{d(2)}"
    raise ValueError(form)


# ---------------------------------------------------------------------------------------------
# Where each (type, form) goes: containers, encodings, contexts
# ---------------------------------------------------------------------------------------------

CONTAINER_ENCODINGS = {
    "text": ["ascii", "utf16le", "utf16be", "fullwidth"],
    "html": ["ascii", "utf16le", "fullwidth"],
    "json": ["ascii", "fullwidth"],
    "csv": ["ascii", "utf16le"],
    "sqlite": ["ascii", "utf16le", "fullwidth"],
    "bplist": ["ascii", "utf16be"],
    "gzip": ["ascii", "utf16le"],
    "zip": ["ascii", "utf16le"],
    "pdf": ["ascii"],
}
FULLWIDTH_TYPES = ("phone", "email", "decoy")  # the rules without full-width forms are left out
ONLY_IN = {  # forms that belong to some containers only
    ("phone", "vcard_tel"): ("text", "gzip", "zip"),
    ("phone", "tel_uri"): ("text", "html"),
    ("email", "mailto"): ("text", "html"),
    ("adid", None): ("text", "html", "json", "sqlite", "bplist", "gzip", "zip"),
}

PHONE_LEFT = ["Tel: ", "phone: ", "tel=", "Mobile: ", "call ", "", "Contact: ", "GSM "]
PHONE_RIGHT = ["", " (mobile)", ",", ".", " after 6pm", ";"]
FULLWIDTH_LEFT = ["電話：", "携帯：", "連絡先 ", ""]
FULLWIDTH_RIGHT = ["", "（携帯）", "。"]
EMAIL_CONTEXT = [("E-mail: ", ""), ("<", ">"), ("mail=", ""), ("Contact: ", ","), ("", "")]
URL_CONTEXT = [("", ""), ("see ", ""), ("<", ">"), ("url=", "")]
IBAN_CONTEXT = [("IBAN: ", ""), ("IBAN ", ""), ("account ", ""), ("", "")]
CARD_CONTEXT = [("Card: ", ""), ("CC ", ""), ("card_number=", ""), ("", "")]
DECOY_LEFT = {"isbn": "ISBN ", "serial": "S/N ", "imei": "IMEI: ", "unix_ts": "ts=", "unix_ms": "time=",
              "version": "Version: ", "date": "Date: ", "sha1": "commit ", "sha256": "sha256:", "uuid": "id=",
              "amount": "Total: "}
ACCENTED_LEFT = {"phone": "Téléphone : ", "email": "Adresse électronique : ", "url": "Page liée : ",
                 "adid": "Identifiant de publicité : ", "iban": "Numéro de compte : ", "card": "Carte bancaire liée : ",
                 "decoy": "Référence : "}
JSON_KEYS = {"phone": "phone", "email": "email", "url": "url", "iban": "iban", "card": "card_number", "decoy": "value"}
PROSE = ["Meeting notes, see below.", "Please call back when you can.", "Forwarded message follows.",
         "Delivery scheduled; confirm with the office.", "Notes from the trip.", "Account details below.",
         "Invoice attached for your records.", "Shared contact card.", "Reminder: bring the documents."]


def allowed(type_, form, container, encoding):
    if encoding == "fullwidth" and type_ not in FULLWIDTH_TYPES:
        return False
    places = ONLY_IN.get((type_, form)) or ONLY_IN.get((type_, None))
    return places is None or container in places


def fullwidth(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


# ---------------------------------------------------------------------------------------------
# Planting: the items of every cell
# ---------------------------------------------------------------------------------------------

class Planter:
    """Makes unique items: every written value appears once in the image."""

    def __init__(self, rng, regions):
        self.rng = rng
        self.regions = regions
        self.used = set()
        self.country_cycle = {}

    def unique(self, make):
        for _ in range(1000):
            value = make()
            if value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("cannot make a unique value")

    def next_region(self, form):
        """Cycles through the form's regions in a shuffled order: every cell gets every country."""
        cycle = self.country_cycle.get(form)
        if not cycle:
            cycle = phone_form_regions(form, self.regions)
            self.rng.shuffle(cycle)
            self.country_cycle[form] = cycle = list(cycle)
        region = cycle.pop(0)
        cycle.append(region)
        return region

    def item(self, type_, form, container, encoding):
        rng = self.rng
        item = {"type": type_, "form": form, "encoding": encoding, "container": container}
        if type_ == "phone":
            region = self.next_region(form)
            nsn = self.unique(lambda: random_nsn(rng, region))
            item["written"] = write_phone(form, region, nsn)
            item["expect"] = "+" + PHONE_COUNTRIES[region][0] + nsn
            item["country"] = region
            left, right = rng.choice(PHONE_LEFT), rng.choice(PHONE_RIGHT)
            if form in ("tel_uri", "vcard_tel", "whatsapp_jid"):
                left, right = "", ""
            elif form.startswith("intl_dots") or form == "national_dots":
                right = right if right != "." else ""
        elif type_ == "email":
            item["written"] = self.unique(lambda: write_email(rng, form))
            item["expect"] = email_expect(item["written"])
            left, right = rng.choice(EMAIL_CONTEXT) if form != "mailto" else ("", "")
        elif type_ == "url":
            item["written"] = self.unique(lambda: write_url(rng, form))
            item["expect"] = item["written"]
            left, right = rng.choice(URL_CONTEXT)
        elif type_ == "adid":
            uuid = self.unique(lambda: random_uuid(rng, upper=form in ("idfa", "AdvertisingId")))
            item["written"] = uuid
            item["expect"] = "maid:" + uuid.lower()
            left, right = rng.choice([f"{form}=", f"{form}: ", f'"{form}":"', f"<{form}>"]), ""
            if left.startswith('"'):
                right = '"'
            elif left.startswith("<"):
                right = f"</{form}>"
        elif type_ == "iban":
            iban = self.unique(lambda: random_iban(rng))
            item["written"] = iban if form == "compact" else " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
            item["expect"] = iban
            left, right = rng.choice(IBAN_CONTEXT)
        elif type_ == "card":
            number = self.unique(lambda: random_card(rng))
            item["written"] = write_card(form, number)
            item["expect"] = number
            left, right = rng.choice(CARD_CONTEXT)
        elif type_ == "decoy":
            item["written"] = self.unique(lambda: write_decoy(rng, form))
            item["expect"] = None
            left, right = DECOY_LEFT.get(form, "") if rng.random() < 0.7 else "", ""
        else:
            raise ValueError(type_)
        if encoding == "fullwidth":
            item["written"] = fullwidth(item["written"])
            if type_ == "phone" and left:
                left, right = rng.choice(FULLWIDTH_LEFT), rng.choice(FULLWIDTH_RIGHT)
        item["_left"], item["_right"] = left, right
        return item


def plant_all(rng, regions, per_cell):
    """Every item of every cell, grouped by (container, encoding)."""
    planter = Planter(rng, regions)
    forms = {"phone": PHONE_FORMS, "email": EMAIL_FORMS, "url": URL_FORMS, "adid": ADID_FORMS,
             "iban": IBAN_FORMS, "card": CARD_FORMS, "decoy": DECOY_FORMS}
    groups = {}
    for container, encodings in CONTAINER_ENCODINGS.items():
        for encoding in encodings:
            items = []
            for type_, type_forms in forms.items():
                for form in type_forms:
                    if not allowed(type_, form, container, encoding):
                        continue
                    if type_ == "phone" and not phone_form_regions(form, regions):
                        continue
                    items += [planter.item(type_, form, container, encoding) for _ in range(per_cell)]
            rng.shuffle(items)
            groups[(container, encoding)] = items
    return groups


# ---------------------------------------------------------------------------------------------
# Containers: each builder returns (bytes, [(item, offset inside, or a forensic path suffix)])
# ---------------------------------------------------------------------------------------------

def encode(text, encoding):
    if encoding == "utf16le":
        return text.encode("utf-16-le")
    if encoding == "utf16be":
        return text.encode("utf-16-be")
    return text.encode("utf-8")  # ascii, fullwidth (the item is already full-width)


class Doc:
    """Bytes built piece by piece, remembering where each item's written text starts."""

    def __init__(self, encoding):
        self.encoding = encoding
        self.parts = []
        self.size = 0
        self.placed = []

    def add(self, text):
        b = encode(text, self.encoding)
        self.parts.append(b)
        self.size += len(b)

    def add_item(self, item, text=None):
        self.placed.append((item, self.size))
        self.add(item["written"] if text is None else text)

    def bytes(self):
        return b"".join(self.parts)


BOMS = {"utf16le": "\ufeff", "utf16be": "\ufeff"}


def build_text(items, encoding, rng):
    doc = Doc(encoding)
    doc.add(BOMS.get(encoding, "") + "Notes exported " + rng.choice(["from phone", "from tablet", "by backup tool"]) + "\n\n")
    for i, item in enumerate(items):
        if item["form"] == "vcard_tel":
            name = f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}"
            doc.add(f"BEGIN:VCARD\nVERSION:3.0\nFN:{name}\n")
            doc.add_item(item)
            doc.add("\nEND:VCARD\n")
            continue
        if i % 5 == 0:
            doc.add(rng.choice(PROSE) + "\n")
        doc.add(item["_left"])
        doc.add_item(item)
        doc.add(item["_right"] + "\n")
    return doc


def html_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_html(items, encoding, rng):
    doc = Doc(encoding)
    charset = {"utf16le": "utf-16"}.get(encoding, "utf-8")
    doc.add(BOMS.get(encoding, "") + f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>Contacts</title></head>\n<body><table>\n')
    for item in items:
        label = f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}"
        doc.add(f"<tr><td>{label}</td><td>")
        if item["type"] == "adid" and item["_left"].startswith("<"):  # markup: no escaped tags
            item["_left"], item["_right"] = f'{item["form"]}: ', ""
        if item["form"] in ("mailto", "tel_uri") or item["type"] == "url":
            item["_left"], item["_right"] = '<a href="', '">'
            doc.add('<a href="')
            doc.add_item(item)
            doc.add('">' + rng.choice(["link", "contact", "here"]) + "</a>")
        else:  # contexts are HTML-escaped, the written items hold no markup
            doc.add(html_escape(item["_left"]))
            doc.add_item(item)
            doc.add(html_escape(item["_right"]))
        doc.add("</td></tr>\n")
    doc.add("</table></body></html>\n")
    return doc


def json_string(text):
    return json.dumps(text, ensure_ascii=False)


def build_json(items, encoding, rng):
    doc = Doc(encoding)
    doc.add('{"export": "contacts", "records": [\n')
    for i, item in enumerate(items):
        key = item["form"] if item["type"] == "adid" else JSON_KEYS[item["type"]]
        if item["type"] == "phone" and item["form"] == "whatsapp_jid":
            key = "jid"
        name = f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}"
        item["_left"], item["_right"] = f'{json_string(key)}: "', '"'
        doc.add(f'  {{"id": {i + 1}, "name": {json_string(name)}, {json_string(key)}: "')
        doc.add_item(item)
        doc.add('"}' + (",\n" if i + 1 < len(items) else "\n"))
    doc.add("]}\n")
    return doc


def build_csv(items, encoding, rng):
    doc = Doc(encoding)
    sep = "\t" if encoding == "utf16le" else ","
    doc.add(BOMS.get(encoding, "") + sep.join(["id", "name", "kind", "value"]) + "\r\n")
    for i, item in enumerate(items):
        name = f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}"
        quote = sep in item["written"] or '"' in item["written"]
        item["_left"] = ("<tab>" if sep == "\t" else sep) + ('"' if quote else "")
        item["_right"] = ('"' if quote else "") + "<crlf>"
        doc.add(sep.join([str(i + 1), name, item["type"] if item["type"] != "decoy" else "note"]) + sep + ('"' if quote else ""))
        doc.add_item(item)
        doc.add(('"' if quote else "") + "\r\n")
    return doc


def build_sqlite(items, encoding, rng):
    """A database like a phone's: values in their own cells, an integer column on each side (so
    the bytes around a value are a record's binary fields, not text)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.db")
        db = sqlite3.connect(path)
        if encoding == "utf16le":
            db.execute("PRAGMA encoding='UTF-16le'")
        db.execute("CREATE TABLE data (_id INTEGER PRIMARY KEY, mimetype_id INTEGER, data1 TEXT, flags INTEGER)")
        db.execute("CREATE TABLE prefs (_id INTEGER PRIMARY KEY, name TEXT, value TEXT, flags INTEGER)")
        kinds = {t: 0x180 + i for i, t in enumerate(["phone", "email", "url", "adid", "iban", "card", "decoy"])}
        for item in items:
            item["_left"], item["_right"] = ("<key column>" if item["type"] == "adid" else "<int column>"), "<int column>"
            if item["type"] == "adid":
                db.execute("INSERT INTO prefs (name, value, flags) VALUES (?, ?, ?)", (item["form"], item["written"], -32383))
            else:
                db.execute("INSERT INTO data (mimetype_id, data1, flags) VALUES (?, ?, ?)", (kinds[item["type"]], item["written"], -32383))
        db.commit()
        db.close()
        data = open(path, "rb").read()
    return located_by_search(data, items, "utf16le" if encoding == "utf16le" else "utf8")


def located_by_search(data, items, text_encoding):
    """Offsets of items in bytes a library wrote (each written value is unique in the image)."""
    placed = []
    for item in items:
        needle = item["written"].encode("utf-16-le" if text_encoding == "utf16le" else "utf-16-be" if text_encoding == "utf16be" else "utf-8")
        at = data.find(needle)
        if at < 0 or data.find(needle, at + 1) >= 0:
            at = None  # not stored as is: the scorer matches it by value within the container
        placed.append((item, at))
    return data, placed


def build_bplist(items, encoding, rng):
    """plistlib stores ASCII strings as they are and others as UTF-16BE: the utf16be cell's values
    carry an accented label."""
    records = []
    for item in items:
        value = item["written"]
        item["_left"], item["_right"] = "<bplist string>", ""
        if encoding == "utf16be":
            value = ACCENTED_LEFT[item["type"]] + value
            item["_left"] = ACCENTED_LEFT[item["type"]]
        key = item["form"] if item["type"] == "adid" else JSON_KEYS[item["type"]]
        records.append({"key": key, "value": value, "n": rng.randint(1, 1 << 20)})
    data = plistlib.dumps({"records": records, "version": 2}, fmt=plistlib.FMT_BINARY)
    return located_by_search(data, items, encoding if encoding == "utf16be" else "utf8")


def build_gzip(items, encoding, rng):
    doc = build_text(items, encoding, rng)
    data = gzip.compress(doc.bytes(), compresslevel=9, mtime=0)
    return data, [(item, ("GZIP", 0, n)) for item, n in doc.placed]


def build_zip(items, encoding, rng):
    """Two to three deflated members: text documents, and a JSON document when ASCII."""
    members = []
    count = rng.randint(2, 3)
    for m in range(count):
        part = items[m::count]
        if encoding == "ascii" and m == 1:
            members.append((f"export/contacts{m}.json", build_json(part, encoding, rng)))
        else:
            members.append((f"export/notes{m}.txt", build_text(part, encoding, rng)))
    buf = io.BytesIO()
    placed = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, doc in members:
            info = zipfile.ZipInfo(name, date_time=(2023, 5, 17, 10, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            header_offset = buf.tell()
            z.writestr(info, doc.bytes())
            placed += [(item, ("ZIP", header_offset, n)) for item, n in doc.placed]
    return buf.getvalue(), placed


def pdf_literal(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


PDF_OPERATOR_DECOYS = {"pdf_coords": "", "number_row": " re", "number_array": " 0 d"}


def build_pdf(items, encoding, rng):
    """One page whose FlateDecode content shows each item with (...) Tj; drawing decoys are
    operators of the content stream. The written text is the bytes inside the string (a
    parenthesis is escaped, as PDF writers do)."""
    doc = Doc("ascii")
    doc.add("q 0.5 w 0 0 0 RG\nBT /F1 9 Tf 40 800 Td 11 TL\n")
    for item in items:
        if item["type"] == "decoy" and item["form"] in PDF_OPERATOR_DECOYS:
            doc.add("ET\n")
            doc.add_item(item)
            doc.add(PDF_OPERATOR_DECOYS[item["form"]] + "\nS\nBT /F1 9 Tf 40 800 Td 11 TL\n")
            continue
        escaped = pdf_literal(item["written"])
        if escaped != item["written"]:
            item["written"] = escaped
        doc.add("T* (" + pdf_literal(item["_left"]))
        doc.add_item(item)
        doc.add(pdf_literal(item["_right"]) + ") Tj\n")
    doc.add("ET Q\n")
    content = zlib.compress(doc.bytes(), 9)
    head = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
            b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>\nendobj\n"
            + f"4 0 obj\n<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode())
    tail = (b"\nendstream\nendobj\n5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R /Size 6 >>\n%%EOF\n")
    return head + content + tail, [(item, ("ZLIB", len(head), n)) for item, n in doc.placed]


def doc_builder(build):
    def run(items, encoding, rng):
        doc = build(items, encoding, rng)
        return doc.bytes(), doc.placed
    return run


BUILDERS = {"text": doc_builder(build_text), "html": doc_builder(build_html), "json": doc_builder(build_json),
            "csv": doc_builder(build_csv), "sqlite": build_sqlite, "bplist": build_bplist, "gzip": build_gzip,
            "zip": build_zip, "pdf": build_pdf}
ITEMS_PER_CONTAINER = {"sqlite": 250, "bplist": 250, "pdf": 200}


# ---------------------------------------------------------------------------------------------
# Filler and the image
# ---------------------------------------------------------------------------------------------

def filler_files():
    files = []
    for root in FILLER_ROOTS:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    files.append(path)
    files.sort()
    if not files:
        sys.exit("no filler files under " + ", ".join(FILLER_ROOTS))
    return files


class Filler:
    """Bytes of real files, chosen at random (seeded), as many as asked for."""

    def __init__(self, rng):
        self.rng = rng
        self.files = filler_files()
        self.pending = b""

    def take(self, size):
        out = []
        while size > 0:
            if not self.pending:
                try:
                    with open(self.rng.choice(self.files), "rb") as f:
                        self.pending = f.read(4 << 20)
                except OSError:
                    continue
            piece, self.pending = self.pending[:size], self.pending[size:]
            out.append(piece)
            size -= len(piece)
        return b"".join(out)


def make_containers(groups, rng):
    """[(container, encoding, bytes, placed)] in a shuffled order."""
    made = []
    for (container, encoding), items in groups.items():
        per = ITEMS_PER_CONTAINER.get(container, 300)
        for start in range(0, len(items), per):
            data, placed = BUILDERS[container](items[start:start + per], encoding, rng)
            made.append((container, encoding, data, placed))
    rng.shuffle(made)
    return made


def write_image(out_dir, made, size, rng):
    """Writes eval.img, truth.jsonl and containers.jsonl; returns (image size, items)."""
    filler = Filler(rng)
    total = sum((len(data) + ALIGN - 1) // ALIGN * ALIGN for _, _, data, _ in made)
    free = max(size - total, len(made) * ALIGN)
    cuts = sorted(rng.randint(0, free) for _ in range(len(made)))
    gaps = [b - a for a, b in zip([0] + cuts, cuts)]
    at = 0
    n_items = 0
    with open(os.path.join(out_dir, "eval.img"), "wb") as img, \
            open(os.path.join(out_dir, "truth.jsonl"), "w") as truth, \
            open(os.path.join(out_dir, "containers.jsonl"), "w") as spans:
        for cid, ((container, encoding, data, placed), gap) in enumerate(zip(made, gaps)):
            gap = (at + gap + ALIGN - 1) // ALIGN * ALIGN - at  # the container starts 4096-aligned
            if gap >= 8:
                img.write(filler.take(gap - 4) + b"\n\n\n\n")  # a line end: nothing glues onto the container
            else:
                img.write(b"\n" * gap)
            at += gap
            start = at
            img.write(data)
            at += len(data)
            spans.write(json.dumps({"container_id": cid, "container": container, "encoding": encoding,
                                    "start": start, "end": at, "items": len(placed)}) + "\n")
            for item, where in placed:
                truth.write(json.dumps(truth_record(item, where, start, cid), ensure_ascii=False) + "\n")
                n_items += 1
        tail = size - at
        if tail > 0:
            img.write(filler.take(tail))
            at += tail
    return at, n_items


def truth_record(item, where, start, cid):
    record = {k: v for k, v in item.items() if not k.startswith("_")}
    record.setdefault("country", None)
    record["left"], record["right"] = item["_left"], item["_right"]  # context written around it (text-like containers)
    unit = {"utf16le": 2, "utf16be": 2}.get(item["encoding"], 1)
    if item["container"] == "bplist" and item["encoding"] == "utf16be":
        unit = 2
    record["length"] = len(item["written"].encode("utf-8")) if unit == 1 else 2 * len(item["written"])
    if isinstance(where, tuple):  # decoded data: STREAM-KIND-N
        kind, stream, n = where
        record["offset"] = f"{start + stream}-{kind}-{n}"
    else:
        record["offset"] = None if where is None else start + where
    record["container_id"] = cid
    return record


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True, help="folder to write eval.img, truth.jsonl, containers.jsonl into")
    ap.add_argument("--size-mib", type=int, default=64, help="image size (default 64; grown if the items need more)")
    ap.add_argument("--per-cell", type=int, default=50, help="items per (type, form, encoding, container) cell")
    ap.add_argument("--regions", default=DEFAULT_REGIONS, help="the --regions trawl will scan with (decides the national forms)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    regions = [r.strip().upper() for r in args.regions.split(",") if r.strip()]
    os.makedirs(args.out, exist_ok=True)
    groups = plant_all(rng, regions, args.per_cell)
    made = make_containers(groups, rng)
    size, n_items = write_image(args.out, made, args.size_mib << 20, rng)
    print(f"{args.out}/eval.img: {size} bytes, {len(made)} containers, {n_items} items")
    scan_dir = os.path.normpath(args.out) + "-scan"
    print(f"scan:  build/host/trawl scan {args.out}/eval.img --carve none -q -o {scan_dir} --regions {','.join(regions)}")
    print(f"score: python3 bench/score_identifiers.py --truth {args.out}/truth.jsonl --features {scan_dir}/features")


if __name__ == "__main__":
    main()
