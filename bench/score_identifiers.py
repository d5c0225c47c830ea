#!/usr/bin/env python3
"""Scores trawl's identifier findings against the labelled set of bench/make_identifier_eval.py.

Reads DIR/truth.jsonl (one planted item a line), DIR/containers.jsonl (the containers' spans in
the image) and OUT/features/features.jsonl (trawl's feature records: path, type, raw, normalised,
length in bytes). A feature belongs to a planted item when it lies in the same data (the image,
or the same decoded stream STREAM-KIND) and its bytes overlap the item's written bytes.

Per cell (--by, default type,form,encoding,container):
  planted  items planted
  exact    reported as the item's type, normalised exactly as expected (E.164 for phones)
  wrong    reported as the item's type at the right place, normalised otherwise
  missed   not reported as the item's type
  other    also reported as another type (an IBAN reported as a phone, ...)
and for decoys (digits that are data): the decoys reported as anything, and the features by type.
Overall, per type: recall (exact / planted) and precision (features of that type inside planted
containers that lie on a planted item of that type, over all of that type inside containers).
Features in the filler (real files from /usr/share) are counted apart as "in filler": real files
hold real numbers, they are not false by definition.

  python3 bench/score_identifiers.py --truth /tmp/ideval1/truth.jsonl --features /tmp/ideval1-scan/features
  ... --by type,form           coarser cells;  --by type,country  phones per country
  ... --json                   the same numbers as JSON;  --examples 5  examples of errors per cell
"""
import argparse
import bisect
import collections
import json
import os
import sys

TYPES = ["phone", "email", "url", "adid", "iban", "card"]
# Features another planted item's bytes may rightly hold: a WhatsApp JID is also an e-mail address.
ALSO_ALLOWED = {("phone", "whatsapp_jid"): {"email"}}
MAX_ITEM_BYTES = 1024


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def parse_location(path, offset_field=None):
    """(domain, start) of a forensic path: ("img",) for the image, (STREAM, KIND) for decoded data."""
    parts = str(path).split("-")
    if len(parts) == 1:
        return ("img",), int(parts[0])
    if len(parts) == 3:
        return (int(parts[0]), parts[1]), int(parts[2])
    return tuple(parts[:-1]), int(parts[-1])  # nested decoding: matches no planted item


def base_offset(domain, start):
    return start if domain == ("img",) else int(domain[0])


class Containers:
    def __init__(self, records):
        self.records = sorted(records, key=lambda c: c["start"])
        self.starts = [c["start"] for c in self.records]

    def at(self, offset):
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.records[i]["end"]:
            return self.records[i]
        return None


class ItemIndex:
    """Planted items by the data they lie in, sorted by start, for overlap look-ups."""

    def __init__(self, items):
        self.by_domain = collections.defaultdict(list)
        self.by_value = collections.defaultdict(list)  # items with no known offset: by container
        for item in items:
            if item["offset"] is None:
                self.by_value[item["container_id"]].append(item)
                continue
            domain, start = parse_location(item["offset"])
            self.by_domain[domain].append((start, start + item["length"], item))
        self.starts = {}
        for domain, rows in self.by_domain.items():
            rows.sort(key=lambda r: r[0])
            self.starts[domain] = [r[0] for r in rows]

    def overlapping(self, domain, start, end):
        rows = self.by_domain.get(domain)
        if not rows:
            return []
        starts = self.starts[domain]
        lo = bisect.bisect_left(starts, start - MAX_ITEM_BYTES)
        hi = bisect.bisect_left(starts, end)
        return [item for s, e, item in rows[lo:hi] if s < end and start < e]


def match(items, containers, features):
    """Sets item["_hits"] (features on the item) and returns each feature's verdict:
    (feature, where) with where "filler", "true", "allowed" or "false"."""
    index = ItemIndex(items)
    for item in items:
        item["_hits"] = []
    verdicts = []
    for f in features:
        domain, start = parse_location(f["path"])
        end = start + max(int(f.get("length") or 0), 1)
        container = containers.at(base_offset(domain, start))
        if container is None:
            verdicts.append((f, "filler", None))
            continue
        on = index.overlapping(domain, start, end)
        on += [it for it in index.by_value.get(container["container_id"], []) if it["expect"] == f.get("normalised")]
        for item in on:
            item["_hits"].append(f)
        if any(it["type"] == f["type"] for it in on):
            verdicts.append((f, "true", None))
        elif any(f["type"] in ALSO_ALLOWED.get((it["type"], it["form"]), ()) for it in on):
            verdicts.append((f, "allowed", None))
        else:
            source = f"{on[0]['type']}/{on[0]['form']}" if on else f"{container['container']} (between items)"
            verdicts.append((f, "false", source))
    return verdicts


def classify(item):
    """exact / wrong / missed, and whether another type was reported on the item."""
    same = [f for f in item["_hits"] if f["type"] == item["type"]]
    allowed = ALSO_ALLOWED.get((item["type"], item["form"]), set())
    other = [f for f in item["_hits"] if f["type"] != item["type"] and f["type"] not in allowed]
    if any(f.get("normalised") == item["expect"] for f in same):
        verdict = "exact"
    elif same:
        verdict = "wrong"
    else:
        verdict = "missed"
    return verdict, same, other


def cell_key(item, by):
    return tuple(str(item.get(k)) for k in by)


def score(items, verdicts, by, n_examples):
    cells = collections.OrderedDict()
    decoys = collections.OrderedDict()
    overall = {t: collections.Counter() for t in TYPES}
    for item in sorted(items, key=lambda it: cell_key(it, by)):
        key = cell_key(item, by)
        if item["type"] == "decoy":
            row = decoys.setdefault(key, {"planted": 0, "reported": 0, "features": collections.Counter(), "examples": []})
            row["planted"] += 1
            if item["_hits"]:
                row["reported"] += 1
                for f in item["_hits"]:
                    row["features"][f["type"]] += 1
                if len(row["examples"]) < n_examples:
                    row["examples"].append(f"{item['written']!r} -> " + ", ".join(f"{f['type']} {f.get('normalised')}" for f in item["_hits"]))
            continue
        verdict, same, other = classify(item)
        row = cells.setdefault(key, {"planted": 0, "exact": 0, "wrong": 0, "missed": 0, "other": 0, "examples": []})
        row["planted"] += 1
        row[verdict] += 1
        row["other"] += bool(other)
        overall[item["type"]]["planted"] += 1
        overall[item["type"]][verdict] += 1
        if verdict != "exact" and len(row["examples"]) < n_examples:
            got = ", ".join(sorted({str(f.get("normalised")) for f in same})) or "-"
            row["examples"].append(f"{verdict}: {item['written']!r} ({item.get('country') or item['container']}) "
                                   f"expect {item['expect']} got {got}")
    false_sources = {t: collections.Counter() for t in TYPES}
    false_examples = {t: [] for t in TYPES}
    for f, where, source in verdicts:
        t = f["type"]
        if t not in overall:
            overall[t] = collections.Counter()
            false_sources[t], false_examples[t] = collections.Counter(), []
        overall[t]["in_filler" if where == "filler" else "in_containers"] += 1
        if where in ("true", "false"):
            overall[t][where] += 1
        if where == "false":
            false_sources[t][source] += 1
            if len(false_examples[t]) < n_examples:
                false_examples[t].append(f"{f['path']} {f.get('raw')!r} -> {f.get('normalised')} ({source})")
    for t, c in overall.items():
        c["recall"] = c["exact"] / c["planted"] if c["planted"] else None
        counted = c["true"] + c["false"]
        c["precision"] = c["true"] / counted if counted else None
    return cells, decoys, overall, false_sources, false_examples


def pct(n, d):
    return f"{100 * n / d:5.1f}" if d else "    -"


def print_tables(by, cells, decoys, overall, false_sources, false_examples, show_examples):
    width = max([len(" ".join(k)) for k in list(cells) + list(decoys)] + [20])
    print(f"{'cell (' + ','.join(by) + ')':<{width}} {'planted':>7} {'exact':>6} {'wrong':>6} {'missed':>6} {'other':>6} {'recall%':>7}")
    for key, r in cells.items():
        print(f"{' '.join(key):<{width}} {r['planted']:7d} {r['exact']:6d} {r['wrong']:6d} {r['missed']:6d} {r['other']:6d} {pct(r['exact'], r['planted']):>7}")
        if show_examples:
            for e in r["examples"]:
                print(f"    {e}")
    if decoys:
        print()
        print(f"{'decoy cell (' + ','.join(by) + ')':<{width}} {'planted':>7} {'reported':>8}  features by type")
        for key, r in decoys.items():
            feats = " ".join(f"{t}:{n}" for t, n in sorted(r["features"].items()))
            print(f"{' '.join(key):<{width}} {r['planted']:7d} {r['reported']:8d}  {feats}")
            if show_examples:
                for e in r["examples"]:
                    print(f"    {e}")
    print()
    print(f"{'type':<6} {'planted':>7} {'exact':>6} {'wrong':>6} {'missed':>6} {'recall%':>7}   {'reported':>8} {'true':>6} {'false':>6} {'precision%':>10} {'in filler':>9}")
    for t, c in overall.items():
        print(f"{t:<6} {c['planted']:7d} {c['exact']:6d} {c['wrong']:6d} {c['missed']:6d} {pct(c['exact'], c['planted']):>7}   "
              f"{c['true'] + c['false']:8d} {c['true']:6d} {c['false']:6d} {pct(c['true'], c['true'] + c['false']):>10} {c['in_filler']:9d}")
    if any(false_sources.values()):
        print()
        print("false features inside containers, by what they lie on:")
        for t, sources in false_sources.items():
            if sources:
                print(f"  {t}: " + ", ".join(f"{s} {n}" for s, n in sources.most_common(12)))
                if show_examples:
                    for e in false_examples[t]:
                        print(f"    {e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--truth", required=True, help="truth.jsonl of make_identifier_eval.py")
    ap.add_argument("--containers", help="containers.jsonl (default: beside --truth)")
    ap.add_argument("--features", required=True, help="trawl's OUT/features folder (or its features.jsonl)")
    ap.add_argument("--by", default="type,form,encoding,container",
                    help="cell keys, from type, form, encoding, container, country, left (the context before the item; "
                         "default type,form,encoding,container)")
    ap.add_argument("--examples", type=int, default=0, help="examples of misses, wrong forms and false features per cell")
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = ap.parse_args()
    by = [k.strip() for k in args.by.split(",") if k.strip()]
    unknown = set(by) - {"type", "form", "encoding", "container", "country", "left"}
    if unknown:
        sys.exit(f"unknown --by keys: {', '.join(sorted(unknown))}")
    containers_path = args.containers or os.path.join(os.path.dirname(os.path.abspath(args.truth)), "containers.jsonl")
    features_path = args.features if args.features.endswith(".jsonl") else os.path.join(args.features, "features.jsonl")

    items = read_jsonl(args.truth)
    containers = Containers(read_jsonl(containers_path))
    features = [f for f in read_jsonl(features_path) if f.get("record", "feature") == "feature"]
    verdicts = match(items, containers, features)
    cells, decoys, overall, false_sources, false_examples = score(items, verdicts, by, args.examples)

    if args.json:
        out = {"by": by,
               "cells": [dict(zip(by, k), **{n: v for n, v in r.items() if n != "examples" or args.examples}) for k, r in cells.items()],
               "decoys": [dict(zip(by, k), planted=r["planted"], reported=r["reported"], features=dict(r["features"]),
                               **({"examples": r["examples"]} if args.examples else {})) for k, r in decoys.items()],
               "overall": {t: dict(c) for t, c in overall.items()},
               "false_sources": {t: dict(s) for t, s in false_sources.items() if s}}
        if args.examples:
            out["false_examples"] = {t: e for t, e in false_examples.items() if e}
        json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        print_tables(by, cells, decoys, overall, false_sources, false_examples, args.examples > 0)


if __name__ == "__main__":
    main()
