#!/usr/bin/env python3
"""Builds trawl's sample disk image from real files found on this system.

The image is deterministic: the same system files give the same image, byte for byte. Files are
chosen from fixed folders under /usr/share (licences, compressed changelogs, icons, man pages,
...), taken in sorted order up to a size budget, and laid out at sector-aligned offsets with
filler between them (zeros or seeded pseudo-random bytes, like the unallocated space of a used
disk). A manifest lists every file with its offset, length and SHA-256, the ground truth for
tests of later stages.

    scripts/make-sample.py --out sample.img --manifest manifest.json [--size 32M] [--seed 1]
"""

import argparse
import hashlib
import json
import os
import random
import sys

# Folders of real files that a Debian system has; extensions tell the type.
SOURCES = [
    ("/usr/share/common-licenses", None),
    ("/usr/share/doc", (".gz",)),
    ("/usr/share/pixmaps", (".png", ".xpm", ".svg", ".jpg")),
    ("/usr/share/icons", (".png", ".svg")),
    ("/usr/share/man/man1", (".gz",)),
    ("/usr/share/zoneinfo", None),
    ("/usr/share/mime", (".xml",)),
    ("/usr/share/doc", (".html", ".pdf")),
]
SECTOR = 512


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1].upper() in units:
        return int(text[:-1]) * units[text[-1].upper()]
    return int(text)


def candidates(max_file):
    seen = set()
    for folder, extensions in SOURCES:
        for root, dirs, files in sorted(os.walk(folder)):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                if extensions and not name.endswith(extensions):
                    continue
                if os.path.islink(path) or not os.path.isfile(path) or path in seen:
                    continue
                size = os.path.getsize(path)
                if 64 <= size <= max_file:
                    seen.add(path)
                    yield path, size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--size", default="32M")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    size = parse_size(args.size)
    rng = random.Random(args.seed)
    # At most a few files per folder kind so that the sample mixes types; sorted for determinism.
    per_folder = {}
    chosen, used = [], 0
    for path, length in candidates(max_file=size // 16):
        key = os.path.dirname(path).split("/")[3]
        if per_folder.get(key, 0) >= 60 * max(1, size // (32 << 20)):
            continue
        if used + length + 4 * SECTOR > size * 3 // 4:
            break
        per_folder[key] = per_folder.get(key, 0) + 1
        chosen.append((path, length))
        used += length + 4 * SECTOR
    if not chosen:
        sys.exit("make-sample: no files found under /usr/share")

    image = bytearray(size)
    manifest = {"image": os.path.basename(args.out), "size": size, "seed": args.seed, "files": []}
    offset = SECTOR * 16
    for path, length in chosen:
        gap = rng.randrange(0, 8) * SECTOR
        if rng.random() < 0.5:  # random filler, like old data in unallocated space
            image[offset:offset + gap] = rng.randbytes(gap)
        offset += gap
        with open(path, "rb") as f:
            data = f.read()
        if offset + len(data) > size:
            break
        image[offset:offset + len(data)] = data
        manifest["files"].append({
            "path": path, "offset": offset, "length": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        })
        offset = (offset + len(data) + SECTOR - 1) // SECTOR * SECTOR
    tail = size - offset
    if tail > 0:
        image[offset:] = rng.randbytes(tail)

    with open(args.out, "wb") as f:
        f.write(image)
    manifest["sha256"] = hashlib.sha256(image).hexdigest()
    with open(args.manifest, "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"make-sample: {args.out}: {size} bytes, {len(manifest['files'])} real files from /usr/share",
          file=sys.stderr)


if __name__ == "__main__":
    main()
