#!/usr/bin/env python3
"""Counts the pixels of given colours in a PNG (8-bit RGB or RGBA, as Chromium writes them),
with nothing but the standard library. Exit 0 when every colour has at least its minimum.

    png_colours.py SCREENSHOT.png '#1f77b4:2000' '#d62728:2000' ...
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    width, height, channels, rows = read_png(sys.argv[1])
    wanted = {}
    for arg in sys.argv[2:]:
        colour, minimum = arg.split(":")
        wanted[bytes.fromhex(colour.lstrip("#"))] = (colour, int(minimum))
    counts = dict.fromkeys(wanted, 0)
    for row in rows:
        for x in range(0, width * channels, channels):
            rgb = row[x:x + 3]
            if rgb in counts:
                counts[rgb] += 1
    ok = True
    for rgb, (colour, minimum) in wanted.items():
        print(f"{colour}: {counts[rgb]} pixels (at least {minimum} wanted)")
        ok = ok and counts[rgb] >= minimum
    print(f"{sys.argv[1]}: {width}x{height}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
