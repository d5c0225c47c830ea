#!/usr/bin/env python3
"""Compares two trees of trawl outputs (bench/compare_builds.sh: WORK/out/base and WORK/out/new)
file by file, byte for byte, after masking the values that change from one run of the same binary
to the next (times, dates, durations) and the tool's version. Nothing else is masked: a key that
is missing, renamed, reordered or formatted differently is a difference.

    normalise_outputs.py compare BASE_ROOT NEW_ROOT      prints same / DIFFERENT per output; exit 1 if any differs
    normalise_outputs.py show ROOT FILE                  prints FILE (relative to ROOT) as it is compared

How each file is compared (the rules, by file name; MASKS below lists every masked field):
  *.json, *.jsonl, JSON Lines on a command's stdout   the text as written, with the values of the
        masked keys (found by their path in the JSON, not by a text search) replaced by "<masked>"
  journal.jsonl (batch)        lines sorted first: the images of a batch finish in any order
  *.xml (DFXML reports)        <start_time> and the creator's <version> masked
  features/*.txt               the header line "# trawl-Version: VERSION" masked
  trawl.log                    each line's leading UTC timestamp stripped; the version in
                               "info trawl VERSION scan" and the seconds in "done: N bytes in S s" masked
  stdout of `trawl case build` the seconds in "(S s)" masked
  report.html (case correlate) the case's creation time and the two versions in the subtitle masked
  SQLite databases (case.db)   not the file's bytes (page layout, free lists) but its content: schema
                               (sqlite_master), user_version, then every table's rows in rowid order,
                               with meta.created_utc, meta.created_by, devices.started_utc and the
                               summary JSON in devices.summary masked as summary.json is
  every text file              the absolute path of its own output root replaced by <OUT> (the case
                               database records scan folders by absolute path)
  everything else              bytes (blocks.*, carved files, hashes.txt, histograms, CSV, .tdb, .ths, ...)
"""
import difflib
import json
import os
import re
import sqlite3
import sys

MASKED = "<masked>"

# JSON paths masked: tuples of keys, "*" for any key or list index.
SUMMARY = [("started_utc",), ("finished_utc",), ("throughput_MBps",), ("timings", "wall_s"),
           ("timings", "stages_busy_s", "*"), ("tool", "version")]
MASKS = {
    # file name -> paths in each JSON document of that file (one document, or one per line)
    "summary.json": SUMMARY,
    "batch.json": [("wall_s",), ("images", "*", "wall_s")],
    # JSON Lines: a record's paths by its "record" value
    "jsonl:summary": SUMMARY,
}
SQL_MASK = {  # (table, column) -> "value" (mask the value) or "summary" (mask as summary.json)
    ("devices", "started_utc"): "value",
    ("devices", "summary"): "summary",
}
SQL_META_MASK = {"created_utc", "created_by"}  # rows of table meta whose value is masked
TEXT_MASKS = {  # file name (or a pattern on the relative path) -> [(regex, replacement)], on each line
    "trawl.log": [(re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "), ""),
                  (re.compile(r"^(info trawl )\S+( scan )"), r"\1" + MASKED + r"\2"),
                  (re.compile(r"^(info done: \d+ bytes in )[0-9.]+( s, exit code)"), r"\1" + MASKED + r"\2")],
    "xml": [(re.compile(r"<start_time>[^<]*</start_time>"), "<start_time>" + MASKED + "</start_time>")],
    "feature-file": [(re.compile(r"^# trawl-Version: .*$"), "# trawl-Version: " + MASKED)],
    "case-build-stdout": [(re.compile(r"\([0-9.]+ s\)$"), "(" + MASKED + " s)")],
    "report.html": [(re.compile(r"trawl \S+ correlation of a case built \S+ by trawl \S+;"),
                     "trawl %s correlation of a case built %s by trawl %s;" % (MASKED, MASKED, MASKED))],
}
XML_CREATOR_VERSION = re.compile(r"(<creator[^>]*>\s*<program>trawl</program>\s*<version>)[^<]*(</version>)")


# --- JSON: the spans of the values at the masked paths, in the text as written ----------------
_decoder = json.JSONDecoder()
_ws = re.compile(r"[ \t\n\r]*")


def _match(path, patterns):
    for p in patterns:
        if len(p) == len(path) and all(a == "*" or a == b for a, b in zip(p, path)):
            return True
    return False


def _walk(text, i, path, patterns, spans):
    """Parses the JSON value at text[i:]; appends (start, end) of values at masked paths; returns its end."""
    i = _ws.match(text, i).end()
    c = text[i]
    start = i
    if c == "{":
        i = _ws.match(text, i + 1).end()
        if text[i] == "}":
            end = i + 1
        else:
            while True:
                key, i = json.decoder.scanstring(text, i + 1)
                i = _ws.match(text, i).end()
                assert text[i] == ":", "':' expected at %d" % i
                i = _walk(text, i + 1, path + (key,), patterns, spans)
                i = _ws.match(text, i).end()
                if text[i] == ",":
                    i = _ws.match(text, i + 1).end()
                    continue
                assert text[i] == "}", "'}' expected at %d" % i
                end = i + 1
                break
    elif c == "[":
        i = _ws.match(text, i + 1).end()
        n = 0
        if text[i] == "]":
            end = i + 1
        else:
            while True:
                i = _walk(text, i, path + (n,), patterns, spans)
                n += 1
                i = _ws.match(text, i).end()
                if text[i] == ",":
                    i += 1
                    continue
                assert text[i] == "]", "']' expected at %d" % i
                end = i + 1
                break
    else:
        _, end = _decoder.raw_decode(text, i)
    if path and _match(path, patterns):
        spans.append((start, end))
    return end


def mask_json(text, patterns):
    """The JSON document `text` with the values at `patterns` replaced; and how many were."""
    if not patterns:
        return text, 0
    spans = []
    end = _walk(text, 0, (), patterns, spans)
    if text[end:].strip():
        raise ValueError("text after the JSON value at %d" % end)
    spans.sort()
    out, last = [], 0
    for s, e in spans:
        if s < last:  # inside a masked value already
            continue
        out.append(text[last:s])
        out.append('"%s"' % MASKED)
        last = e
    out.append(text[last:])
    return "".join(out), len(spans)


JSONL_KEYS = sorted({'"%s"' % p[0] for k, v in MASKS.items() if k.startswith("jsonl:") for p in v})


def mask_jsonl_line(line):
    if not any(k in line for k in JSONL_KEYS):  # a quick look before parsing the line
        return line, 0
    try:
        record = json.loads(line).get("record")
    except (ValueError, AttributeError):
        return line, 0
    return mask_json(line, MASKS.get("jsonl:%s" % record, []))


def is_jsonl(text):
    lines = [l for l in text.split("\n") if l.strip()][:5]
    if not lines:
        return False
    try:
        return all(isinstance(json.loads(l), dict) for l in lines)
    except ValueError:
        return False


# --- SQLite: the content as text ----------------------------------------------------------------
def dump_sqlite(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        out = ["user_version %d" % con.execute("PRAGMA user_version").fetchone()[0]]
        tables = []
        for kind, name, tbl, sql in con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"):
            out.append("%s %s ON %s: %s" % (kind, name, tbl, sql))
            if kind == "table" and not name.startswith("sqlite_"):
                tables.append(name)
        masked = 0
        for t in tables:
            cur = con.execute('SELECT * FROM "%s"' % t.replace('"', '""'))
            cols = [d[0] for d in cur.description]
            out.append("table %s (%s)" % (t, ", ".join(cols)))
            for row in cur:
                values = []
                for col, v in zip(cols, row):
                    rule = SQL_MASK.get((t, col))
                    if t == "meta" and col == "value" and row[cols.index("key")] in SQL_META_MASK:
                        rule = "value"
                    if rule == "value" and v is not None:
                        v, masked = MASKED, masked + 1
                    elif rule == "summary" and v is not None:
                        v, n = mask_json(v, SUMMARY)
                        masked += n
                    values.append("x'%s'" % v.hex() if isinstance(v, bytes) else v)
                out.append(json.dumps(values, ensure_ascii=False))
        return "\n".join(out) + "\n", masked
    finally:
        con.close()


# --- One file, as compared ----------------------------------------------------------------------
def normalised(root, rel):
    """(kind, content, masked values): content is bytes for 'bytes', else str."""
    path = os.path.join(root, rel)
    name = os.path.basename(rel)
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"SQLite format 3\0"):
        text, n = dump_sqlite(path)
        return "sqlite", text.replace(root, "<OUT>"), n
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes", data, 0
    is_stream = rel.startswith("_streams/")
    textual = (name.endswith((".json", ".jsonl", ".xml", ".log", ".html", ".csv", ".txt")) or is_stream)
    if not textual or "\0" in text:
        return "bytes", data, 0
    text = text.replace(root, "<OUT>")
    n = 0
    if name.endswith(".json"):
        text, n = mask_json(text, MASKS.get(name, []))
        return "json", text, n
    if name.endswith(".jsonl") or (is_stream and name.endswith(".stdout") and is_jsonl(text)):
        lines = text.split("\n")
        out = []
        for line in lines:
            line, k = mask_jsonl_line(line)
            out.append(line)
            n += k
        if name == "journal.jsonl":
            out = sorted(l for l in out if l) + [""]
        return "jsonl", "\n".join(out), n
    rules = []
    if name == "trawl.log":
        rules = TEXT_MASKS["trawl.log"]
    elif name.endswith(".xml"):
        rules = TEXT_MASKS["xml"]
        text, k = XML_CREATOR_VERSION.subn(r"\g<1>" + MASKED + r"\g<2>", text)
        n += k
    elif name.endswith(".txt") and os.path.basename(os.path.dirname(rel)) == "features":
        rules = TEXT_MASKS["feature-file"]  # bulk_extractor's header: "# trawl-Version: 0.1.0"
    elif name == "report.html":
        rules = TEXT_MASKS["report.html"]
    elif is_stream and re.match(r"case-build.*\.stdout$", name):
        rules = TEXT_MASKS["case-build-stdout"]
    if rules:
        out = []
        for line in text.split("\n"):
            for rx, rep in rules:
                line, k = rx.subn(rep, line)
                n += k
            out.append(line)
        text = "\n".join(out)
    return "text", text, n


def short_diff(a, b, kind, limit=12):
    if kind == "bytes" or isinstance(a, bytes) or isinstance(b, bytes):
        a = a if isinstance(a, bytes) else a.encode()
        b = b if isinstance(b, bytes) else b.encode()
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        return ["sizes %d (base) and %d (new); first difference at byte %d" % (len(a), len(b), i),
                "base: %s" % a[i:i + 24].hex(" "), "new:  %s" % b[i:i + 24].hex(" ")]
    def clip(line, at):  # a long line: the part around column `at`
        if len(line) <= 200:
            return line
        lo = max(0, at - 80)
        return ("..." if lo else "") + line[lo:lo + 200] + ("..." if lo + 200 < len(line) else "")

    a, b = a.split("\n"), b.split("\n")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        out.append("@@ base line %d, new line %d" % (i1 + 1, j1 + 1))
        for k in range(max(i2 - i1, j2 - j1)):
            la = a[i1 + k] if i1 + k < i2 else None
            lb = b[j1 + k] if j1 + k < j2 else None
            at = 0
            if la is not None and lb is not None:
                at = next((c for c in range(min(len(la), len(lb))) if la[c] != lb[c]), min(len(la), len(lb)))
            if la is not None:
                out.append("-" + clip(la, at))
            if lb is not None:
                out.append("+" + clip(lb, at))
            if len(out) >= limit:
                return out + ["..."]
    return out


def files_under(root):
    out = set()
    for d, _, fs in os.walk(root):
        for f in fs:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out


CARVED_PAYLOAD = re.compile(r"(^|/)carved/[^/]+/[^/]+$")


def compare(base, new):
    base, new = os.path.realpath(base), os.path.realpath(new)
    rels = sorted(files_under(base) | files_under(new))
    differ = 0
    group = [None, 0, 0]  # the carved payload folder being compared: name, files, differing

    def flush(next_group):
        if group[0] is not None and group[0] != next_group:
            print("%s %s (%d carved files%s)" % ("same     " if not group[2] else "DIFFERENT", group[0], group[1],
                                                ", %d differ, listed above" % group[2] if group[2] else ""))
        if group[0] != next_group:
            group[:] = [next_group, 0, 0]

    for rel in rels:
        g = os.path.dirname(rel) + "/*" if CARVED_PAYLOAD.search(rel) else None
        flush(g)
        if g is not None:
            group[1] += 1
        in_b, in_n = os.path.exists(os.path.join(base, rel)), os.path.exists(os.path.join(new, rel))
        if not (in_b and in_n):
            differ += 1
            group[2] += g is not None
            print("DIFFERENT %s: only in %s" % (rel, "base" if in_b else "new"))
            continue
        try:
            kb, cb, nb = normalised(base, rel)
            kn, cn, nn = normalised(new, rel)
        except Exception as e:  # a file that cannot be read as its kind: report it, go on
            differ += 1
            group[2] += g is not None
            print("DIFFERENT %s: cannot be compared: %s: %s" % (rel, type(e).__name__, e))
            continue
        if kb == kn and cb == cn:
            if g is None:
                print("same      %s%s" % (rel, "  (%d values masked)" % nb if nb else ""))
            continue
        differ += 1
        group[2] += g is not None
        print("DIFFERENT %s" % rel)
        for line in short_diff(cb, cn, kb if kb == kn else "bytes"):
            print("    " + line)
    flush(None)
    print("%d files compared, %d different" % (len(rels), differ))
    return 1 if differ else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 4 and sys.argv[1] == "show":
        kind, content, n = normalised(os.path.realpath(sys.argv[2]), sys.argv[3])
        if kind == "bytes":
            sys.stdout.buffer.write(content)
        else:
            sys.stdout.write(content)
        print("[%s, %d values masked]" % (kind, n), file=sys.stderr)
        return
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
