#!/usr/bin/env python3
"""Scores a carving run against the manifest of scripts/make-corpus.py.

    scripts/score-carving.py IMAGE.json OUTDIR [--tool trawl|foremost|scalpel|photorec|plain] [--json]

Reads every carved file under OUTDIR (the tool's report and log files are skipped), hashes it with
SHA-256 and matches it against the originals. Per type of the originals:
  exact      files recovered byte-exact (some output has the original's SHA-256), of
  contiguous the files written whole and in one piece (the figure tools can be compared on);
  fragmented / truncated: exact recoveries among those (a carver without reassembly gets none);
  frag_1M    the fragmented files whose gap is at most 1 MiB (what trawl's default --max-gap reaches);
  missed     contiguous files with no exact output.
Per output type (by extension): outputs that match no original ("junk"). For trawl (OUTDIR
holding carved/files.jsonl) outputs that lie inside another carved file ("nested": thumbnails,
pictures inside documents) are counted apart, since the originals list only whole files, and
reassembled outputs (carved from two pieces) that match no original are counted as
"reassembled_wrong" (must be 0)."""
import argparse
import collections
import hashlib
import json
import os
import sys

# Output extensions -> the manifest's types, for all four tools' naming.
EXT_TYPE = {
    "jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "bmp": "bmp", "tif": "tiff", "tiff": "tiff",
    "pdf": "pdf", "zip": "zip", "docx": "zip", "xlsx": "zip", "pptx": "zip", "odt": "zip", "ods": "zip", "odp": "zip",
    "odg": "zip", "sxw": "zip", "jar": "zip", "apk": "zip", "epub": "zip", "gz": "gzip", "wav": "riff", "avi": "riff",
    "webp": "riff", "riff": "riff", "mp4": "isobmff", "mov": "isobmff", "3gp": "isobmff", "m4a": "isobmff",
    "heic": "isobmff", "avif": "isobmff", "elf": "elf", "exe": "pe", "dll": "pe", "7z": "7z", "rar": "rar",
    "sqlite": "sqlite", "sqlite-wal": "sqlite-wal", "sqlite-journal": "sqlite-journal",
    "ogg": "ogg", "opus": "ogg", "ogv": "ogg", "oga": "ogg", "mp3": "mp3", "amr": "amr", "awb": "amr", "aac": "adts",
    "flac": "flac", "mkv": "matroska", "webm": "matroska", "mka": "matroska", "mpg": "mpeg-ps", "mpeg": "mpeg-ps",
    "vob": "mpeg-ps",
}
SKIP = {"report.xml", "files.jsonl", "audit.txt", "summary.json", "trawl.log", "hashes.txt"}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def output_type(path):
    name = os.path.basename(path).lower()
    for ext in ("sqlite-wal", "sqlite-journal"):
        if name.endswith("." + ext):
            return EXT_TYPE[ext]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    return EXT_TYPE.get(ext, ext or "?")


def score(manifest_path, outdir):
    with open(manifest_path) as f:
        manifest = json.load(f)
    nested = set()
    reassembled = []  # sha256 of trawl's reassembled outputs
    jsonl = os.path.join(outdir, "carved", "files.jsonl")
    if os.path.exists(jsonl):  # trawl: which outputs lie inside another carved file
        with open(jsonl) as f:
            for line in f:
                r = json.loads(line)
                if r.get("parent") is not None and r.get("file"):
                    nested.add(os.path.normpath(os.path.join(outdir, r["file"])))
                if r.get("reassembled"):
                    reassembled.append(r["sha256"])
    outputs = []
    # trawl's output folder also holds hashes, features and logs: only carved/ is carving.
    walk_root = os.path.join(outdir, "carved") if os.path.isdir(os.path.join(outdir, "carved")) else outdir
    for root, _, names in os.walk(walk_root):
        for n in names:
            p = os.path.join(root, n)
            if n in SKIP or n.endswith((".log", ".conf", ".ses")) or os.path.islink(p) or not os.path.isfile(p):
                continue
            outputs.append(p)
    got = {}
    for p in outputs:
        got.setdefault(sha256_file(p), []).append(p)
    originals = {e["sha256"] for e in manifest["files"]}
    per = collections.OrderedDict()
    for e in sorted(manifest["files"], key=lambda e: e["type"]):
        t = per.setdefault(e["type"], collections.Counter())
        contiguous = len(e["fragments"]) == 1 and not e["truncated"]
        hit = e["sha256"] in got
        if contiguous:
            t["contiguous"] += 1
            t["exact"] += hit
            t["missed"] += not hit
        elif e["truncated"]:
            t["truncated"] += 1
            t["truncated_exact"] += hit
        else:
            t["fragmented"] += 1
            t["fragmented_exact"] += hit
            (a, alen), (b, _) = e["fragments"][0], e["fragments"][1]
            t["frag_1M"] += b - (a + alen) <= (1 << 20)
    junk = collections.Counter()
    nested_junk = collections.Counter()
    for digest, paths in got.items():
        if digest in originals:
            continue
        for p in paths:
            if os.path.normpath(p) in nested:
                nested_junk[output_type(p)] += 1
            else:
                junk[output_type(p)] += 1
    return {"outputs": len(outputs), "per_type": per, "junk": junk, "nested": nested_junk,
            "reassembled": len(reassembled), "reassembled_wrong": sum(1 for d in reassembled if d not in originals),
            "fragmented_total": sum(t["fragmented"] for t in per.values()),
            "fragmented_exact_total": sum(t["fragmented_exact"] for t in per.values()),
            "exact_total": sum(t["exact"] for t in per.values()), "contiguous_total": sum(t["contiguous"] for t in per.values())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("manifest")
    ap.add_argument("outdir")
    ap.add_argument("--tool", default="plain")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args()
    s = score(args.manifest, args.outdir)
    if args.json:
        print(json.dumps({"tool": args.tool, **{k: (dict(v) if isinstance(v, collections.Counter) else v) for k, v in s.items()},
                          "per_type": {k: dict(v) for k, v in s["per_type"].items()}}))
        return
    print("%s: %d outputs, %d of %d contiguous files byte-exact, %d of %d fragmented (%d reassembled, %d wrong)" % (
        args.tool, s["outputs"], s["exact_total"], s["contiguous_total"], s["fragmented_exact_total"], s["fragmented_total"],
        s["reassembled"], s["reassembled_wrong"]))
    print("  %-10s %10s %8s %12s %11s %10s %6s" % ("type", "exact", "missed", "frag.(<=1M)", "truncated", "junk", "nested"))
    types = list(s["per_type"]) + sorted(set(s["junk"]) - set(s["per_type"]))
    for t in types:
        c = s["per_type"].get(t, collections.Counter())
        print("  %-10s %5d/%-4d %8d %4d/%-3d(%3d) %6d/%-4d %10d %6d" % (
            t, c["exact"], c["contiguous"], c["missed"], c["fragmented_exact"], c["fragmented"], c["frag_1M"], c["truncated_exact"],
            c["truncated"], s["junk"].get(t, 0), s["nested"].get(t, 0)))


if __name__ == "__main__":
    main()
