#!/usr/bin/env python3
"""Generates small device images for the batch and Slurm tests: random bytes with planted phone
numbers, e-mail addresses, URLs and ad identifiers (some shared between devices), a gzip stream
holding an address, and a small valid PNG; writes OUTDIR/manifest.csv (label,image,notes).

    make_devices.py OUTDIR [--devices 4] [--size 6M] [--big 40M] [--seed 7]

--big adds one larger device "dev-big" (for range runs) with identifiers planted across the
boundaries of 4 MiB pages, where range runs meet.
"""
import argparse
import gzip
import io
import os
import random
import struct
import zipfile
import zlib

SHARED = [b"+33 6 12 34 56 78", b"boss@cartel-example.com", b"https://shared.example.net/drop/42",
          b"6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"]


def png(seed):
    rnd = random.Random(seed)
    w, h = 16, 16
    raw = b"".join(b"\0" + bytes(rnd.randrange(256) for _ in range(w * 3)) for _ in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def archive(seed):
    """A ZIP of several stored members: its later local headers look like ZIP starts."""
    rnd = random.Random(seed)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i in range(6):
            z.writestr("member%d.bin" % i, rnd.randbytes(60_000))
    return buf.getvalue()


def size_arg(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def plant(image, offset, data):
    image[offset:offset + len(data)] = data


def device(size, seed, items):
    image = bytearray(random.Random(seed).randbytes(size))
    for offset, data in items:
        plant(image, offset, b" " + data + b" ")
    return image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--devices", type=int, default=4)
    ap.add_argument("--size", type=size_arg, default=6 << 20)
    ap.add_argument("--big", type=size_arg, default=0)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    rows = []
    for d in range(a.devices):
        label = "dev-" + chr(ord("a") + d)
        items = [(100_000 + 4096 * k, SHARED[(d + k) % len(SHARED)]) for k in range(3)]
        items.append((900_000, b"unique%d@device-%s.example.org" % (d, label[-1].encode())))
        items.append((950_000, b"+41 44 668 18 %02d" % (10 + d)))
        stream = gzip.compress(b"contact: hidden%d@gzip-example.com\n" % d, mtime=0)
        items.append((1_200_000, stream))
        if d % 2 == 0:
            items.append((2_000_000 - 1, png(99)))  # the same picture on every second device
        image = device(a.size, a.seed * 100 + d, items)
        path = os.path.join(a.outdir, label + ".raw")
        with open(path, "wb") as f:
            f.write(image)
        rows.append((label, label + ".raw", "seized %d" % d))
    if a.big:
        page = 4 << 20
        items = []
        for k, boundary in enumerate(range(page, a.big, page)):
            data = SHARED[k % len(SHARED)]
            items.append((boundary - len(data) // 2, data))          # across the boundary
            items.append((boundary - 3, b"+33 6 98 76 54 3%d" % (k % 10)))  # starts just before it
        items.append((a.big // 2 + 12345, gzip.compress(b"big@gzip-example.com", mtime=0)))
        items.append((page * 2 - 700, png(99)))                     # a file that ends in the next range
        items.append((page * 4 - 200_000, archive(5)))              # members on both sides of 16 MiB
        image = device(a.big, a.seed * 100 + 99, items)
        with open(os.path.join(a.outdir, "dev-big.raw"), "wb") as f:
            f.write(image)
        rows.append(("dev-big", "dev-big.raw", "large"))
    with open(os.path.join(a.outdir, "manifest.csv"), "w") as f:
        f.write("label,image,notes\n")
        for r in rows:
            f.write(",".join(r) + "\n")


if __name__ == "__main__":
    main()
