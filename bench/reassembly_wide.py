#!/usr/bin/env python3
"""The reassembly tests' properties over every file of each type on this machine (issue 17).

The test suite runs on inputs it makes itself, the same on every machine; this runs the same
checks over whatever the machine holds, outside CI, so that a wider set of real files keeps
finding what a fixed one cannot:
  * nothing wrong is valid: whatever is carved at a split file's offset is that file, byte for
    byte, and every reassembled file is an original;
  * split recovery: how many split files come back byte-exact;
  * geometry independence: the carve records are byte-identical with 16 MiB pages on one thread
    and 64 KiB pages on two.

    bench/reassembly_wide.py [--trawl build/host/trawl] [--types pdf,png,jpeg,zip,gzip,sqlite]
                             [--roots /usr/share,/usr/lib] [--max-size 2M] [--work DIR]

Every regular file under the roots whose content starts like the type (magic bytes, not the name)
and whose size is 4 KiB .. --max-size is used once (duplicates by SHA-256 dropped); PDFs are first
rewritten by qpdf with classic xref tables (reassembly searches those only). Each file is laid out
twice, whole and split at a sector or cluster boundary with a gap of one sector .. 1 MiB of random
bytes, zeros or a piece of another file of the type, in images of at most 512 MiB. Prints a table
and exits 1 when a reassembly is wrong or the geometries differ. "carved with gap" counts split
files carved whole, gap inside, without a reassembly: formats whose walk cannot see the gap
(a progressive JPEG's scan data is not decoded) — a limit of the walk, listed apart.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

MAGIC = {
    "pdf": [b"%PDF-"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "jpeg": [b"\xff\xd8\xff"],
    "zip": [b"PK\x03\x04"],
    "gzip": [b"\x1f\x8b\x08"],
    "sqlite": [b"SQLite format 3\x00"],
}
GAPS = [512, 1024, 4096, 8192, 65536, 300 * 512, 1 << 20, 2048, 4096 * 3, 512 * 7]


def size_arg(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def find_files(roots, types, max_size):
    found = {t: [] for t in types}
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(folder, name)
                try:
                    if os.path.islink(path) or not os.path.isfile(path):
                        continue
                    size = os.path.getsize(path)
                    if size < 4096 or size > max_size:
                        continue
                    with open(path, "rb") as f:
                        head = f.read(16)
                except OSError:
                    continue
                for t in types:
                    if any(head.startswith(m) for m in MAGIC[t]):
                        found[t].append(path)
    return found


def load(paths, kind, work):
    out, seen = [], set()
    for i, path in enumerate(paths):
        if kind == "pdf":
            rewritten = os.path.join(work, "q.pdf")
            if subprocess.run(["qpdf", "--object-streams=disable", path, rewritten], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode not in (0, 3):
                continue
            path = rewritten
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if len(data) >= 8192 and digest not in seen:
            seen.add(digest)
            out.append(data)
    return out


def build_image(files, seed):
    """Like the tests' split_image: every file whole, then split; returns the image and lists."""
    rng = random.Random(seed)
    image = bytearray(rng.randbytes(3 * 512))
    whole, split = [], []
    for n, data in enumerate(files):
        if len(image) % 4096:
            image += rng.randbytes(4096 - len(image) % 4096)
        whole.append((len(image), hashlib.sha256(data).hexdigest()))
        image += data
        image += rng.randbytes((-len(image)) % 512 + 512 * (1 + n % 3))
        unit = 512 if n % 2 else 4096
        if len(data) < 2 * unit:
            continue
        cut = (1 + rng.randrange(len(data) // unit - 1)) * unit
        if len(image) % 4096:
            image += rng.randbytes(4096 - len(image) % 4096)
        gap, fill = GAPS[n % len(GAPS)], (n + n // 3) % 3
        split.append((len(image), hashlib.sha256(data).hexdigest(), cut, gap, fill))
        image += data[:cut]
        if fill == 0:
            image += rng.randbytes(gap)
        elif fill == 1:
            image += bytes(gap)
        else:
            other = files[(n + 1) % len(files)]
            start = len(other) // 3
            image += bytes(other[(start + k) % len(other)] for k in range(gap))
        image += data[cut:]
        image += rng.randbytes((-len(image)) % 512 + 1024)
    return bytes(image), whole, split


def scan(trawl, image_path, out, kind, page, threads):
    shutil.rmtree(out, ignore_errors=True)
    args = [trawl, "scan", image_path, "-o", out, "-q", "--find", "none", "--hash", "none", "--block-hash", "none",
            "--carve", kind, "--page-size", page, "--margin", "4K", "--threads", str(threads), "--force"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "carved", "files.jsonl"), "rb") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trawl", default="build/host/trawl")
    ap.add_argument("--types", default="pdf,png,jpeg,zip,gzip,sqlite")
    ap.add_argument("--roots", default="/usr/share,/usr/lib")
    ap.add_argument("--max-size", default="2M", type=size_arg)
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    types = args.types.split(",")
    work = args.work or tempfile.mkdtemp(prefix="trawl-wide-")
    os.makedirs(work, exist_ok=True)
    found = find_files(args.roots.split(","), types, args.max_size)
    print(f"{'type':7} {'files':>6} {'split':>6} {'byte-exact':>10} {'wrong reassembled':>17} {'carved with gap':>15} {'whole carved':>12} {'geometry diffs':>14}")
    failed = False
    for kind in types:
        files = load(found[kind], kind, work)
        totals = [0, 0, 0, 0, 0, 0]  # split, recovered, wrong reassemblies, whole carved, geometry diffs, carved with gap
        batch, size, part = [], 0, 0
        for data in files + [None]:
            if data is not None:
                batch.append(data)
                size += 2 * len(data) + (2 << 20)
            if batch and (data is None or size > (512 << 20)):
                image, whole, split = build_image(batch, part)
                image_path = os.path.join(work, "image.raw")
                with open(image_path, "wb") as f:
                    f.write(image)
                a = scan(args.trawl, image_path, os.path.join(work, "a"), kind, "16M", 1)
                b = scan(args.trawl, image_path, os.path.join(work, "b"), kind, "64K", 2)
                la, lb = a.splitlines(), b.splitlines()
                totals[4] += len(set(la) ^ set(lb)) + (0 if len(la) == len(lb) else 1)
                records = [json.loads(line) for line in la]
                at = {r["offset"]: r for r in records}
                originals = {d for _, d in whole}
                for offset, digest, cut, gap, fill in split:
                    totals[0] += 1
                    r = at.get(offset)
                    if r is None:
                        continue
                    if r["sha256"] == digest:
                        totals[1] += 1
                    elif r.get("reassembled"):
                        totals[2] += 1
                        print(f"  wrong reassembly: {kind} at {offset} (cut {cut}, gap {gap}, fill {fill}): runs {r['byte_runs']}, {r.get('note', '')}")
                    else:
                        totals[5] += 1
                        print(f"  carved with its gap: {kind} at {offset} (cut {cut}, gap {gap}, fill {fill}), {r['length']} bytes: {r.get('note', '')}")
                for r in records:
                    if r.get("reassembled") and r["sha256"] not in originals and r["offset"] not in {s[0] for s in split}:
                        totals[2] += 1
                        print(f"  wrong reassembly: {kind} at {r['offset']}: {r.get('note', '')}")
                totals[3] += sum(1 for offset, digest in whole if offset in at and at[offset]["sha256"] == digest)
                batch, size, part = [], 0, part + 1
        print(f"{kind:7} {len(files):>6} {totals[0]:>6} {totals[1]:>10} {totals[2]:>17} {totals[5]:>15} {totals[3]:>12} {totals[4]:>14}", flush=True)
        failed |= totals[2] > 0 or totals[4] > 0
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
