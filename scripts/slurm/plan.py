#!/usr/bin/env python3
"""Plans a Slurm run of trawl: one array task per image, or per range of a large image.

Reads a manifest (CSV: label,image[,notes]; header optional; '#' comments) and writes
OUTDIR/slurm/tasks.list, one task per line, fields separated by the ASCII unit separator
(0x1F, so that empty fields survive `read`):
    kind label image notes range folder
kind is "image" (a whole image), "range" (START:LEN of an image) or "hash" (the image hashes of
a split image, computed beside its ranges: a range run computes none). The merge job
(trawl-merge.sbatch) joins the ranges of each split image with `trawl merge`.
"""
import argparse
import csv
import os
import re
import sys

SIZE = re.compile(r"^(\d+)([KMGT]?)$", re.I)


def parse_size(text):
    m = SIZE.match(text)
    if not m:
        sys.exit(f"plan.py: bad size {text!r} (e.g. 64G)")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[m.group(2).upper()]


def safe(text):
    name = re.sub(r"[^A-Za-z0-9._-]", "_", text)
    return "image" if name in ("", ".", "..") else name


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifest")
    ap.add_argument("outdir")
    ap.add_argument("--split", default="0", help="split images larger than this into ranges of this size (0: never)")
    ap.add_argument("--page-size", default="16M", help="trawl's --page-size: ranges are multiples of it")
    a = ap.parse_args()
    split, page = parse_size(a.split), parse_size(a.page_size)
    if split and split % page:
        split = (split // page + 1) * page  # ranges start on page boundaries
    base = os.path.dirname(os.path.abspath(a.manifest))
    tasks, labels = [], set()
    with open(a.manifest, newline="") as f:
        for number, row in enumerate(csv.reader(f), 1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            row = [c.strip() for c in row]
            if number == 1 and row[:2] == ["label", "image"]:
                continue
            if len(row) < 2 or len(row) > 3 or not row[0] or not row[1]:
                sys.exit(f"plan.py: {a.manifest} line {number}: expected label,image[,notes]")
            label, image, notes = row[0], row[1], row[2] if len(row) > 2 else ""
            if any(c in "\x1f\n\r" for c in label + image + notes):
                sys.exit(f"plan.py: {a.manifest} line {number}: control characters are not allowed")
            image = image if os.path.isabs(image) else os.path.join(base, image)
            folder = safe(label)
            if folder in labels:
                sys.exit(f"plan.py: {a.manifest} line {number}: label {label!r} is used twice")
            labels.add(folder)
            size = os.path.getsize(image) if os.path.isfile(image) else 0
            if split and size > split:
                tasks.append(("hash", label, image, notes, "", f"parts/{folder}/hashes"))
                for start in range(0, size, split):
                    length = split if start + split < size else 0  # the last range runs to the end
                    tasks.append(("range", label, image, notes, f"{start}:{length}", f"parts/{folder}/{start:020d}"))
            else:
                tasks.append(("image", label, image, notes, "", folder))
    if not tasks:
        sys.exit(f"plan.py: {a.manifest} names no image")
    os.makedirs(os.path.join(a.outdir, "slurm"), exist_ok=True)
    with open(os.path.join(a.outdir, "slurm", "tasks.list"), "w") as out:
        for t in tasks:
            out.write("\x1f".join(t) + "\n")
    print(len(tasks))


if __name__ == "__main__":
    main()
