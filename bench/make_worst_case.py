#!/usr/bin/env python3
"""Writes a worst-case image for trawl's memory and time bounds, streamed in 1 MiB pieces, in
segments of 32 MiB (two default pages, so whole chunks are made of one case) that cycle through:

  jpeg     FF D8 FF repeated: a JPEG signature starts every 3 bytes
  zip      "PK\\x03\\x04" repeated: a ZIP local header (and a decoder candidate) every 4 bytes
  gzip     1F 8B 08 repeated: a gzip member start every 3 bytes
  digits   "0123456789" without end: digits for the phone rules, never a bounded number
  nested   ZIP archives back to back, each holding a gzip member of text with an e-mail address
           and a phone number (decoded twice: the ZIP member, then the gzip inside it)
  hole     zeros, left as a hole in the file (sparse)

  bench/make_worst_case.py OUT SIZE      SIZE in bytes or with K/M/G
"""
import gzip, io, os, random, sys, zipfile

SEGMENT = 32 << 20
PIECE = 1 << 20


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def repeated(pattern):
    return (pattern * (PIECE // len(pattern) + 1))[:PIECE]


def nested_piece():
    rng = random.Random(7)
    words = [b"".join(bytes([rng.randrange(97, 123)]) for _ in range(rng.randrange(2, 9))) for _ in range(500)]
    out = bytearray()
    n = 0
    while len(out) < PIECE:
        text = b" ".join(rng.choice(words) for _ in range(8000))
        text += b" mail user%d@example.org or call +44 20 7946 %04d " % (n, n % 10000)
        member = gzip.compress(text, mtime=0)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            info = zipfile.ZipInfo("note%d.gz" % n, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, member)
        out += buf.getvalue()
        n += 1
    return bytes(out[:PIECE])


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, size = sys.argv[1], parse_size(sys.argv[2])
    pieces = [
        ("jpeg", repeated(b"\xff\xd8\xff")),
        ("zip", repeated(b"PK\x03\x04")),
        ("gzip", repeated(b"\x1f\x8b\x08")),
        ("digits", repeated(b"0123456789")),
        ("nested", nested_piece()),
        ("hole", None),
    ]
    with open(path, "wb") as f:
        done = 0
        segment = 0
        while done < size:
            name, piece = pieces[segment % len(pieces)]
            end = min(size, done + SEGMENT)
            while done < end:
                n = min(PIECE, end - done)
                if piece is None:
                    f.seek(n, os.SEEK_CUR)
                else:
                    f.write(piece[:n])
                done += n
            segment += 1
        f.truncate(size)


if __name__ == "__main__":
    main()
