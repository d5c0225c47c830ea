#!/usr/bin/env python3
"""Builds a carving test image from real files found on this machine, with a ground-truth manifest.

    scripts/make-corpus.py --size 1G --seed 1 --out /tmp/corpus.raw      (manifest: /tmp/corpus.raw.json)

Deterministic: the same seed, size and installed packages give the same image byte for byte.
Sources, all from Debian packages or made by Debian tools from them: forensics-samples-files
(photos, PNG, PDF, DOCX/ODT, WAV, AVI, MP4), every JPEG/PNG/GIF/PDF/JAR/GZIP under /usr/share,
ELF binaries and libraries from /usr/bin and /usr/lib, PNGs converted to BMP, TIFF, GIF (netpbm)
and WebP (cwebp), 7z archives of documentation folders (p7zip), SQLite databases made with
python3's sqlite3 module, media made by ffmpeg from its test signals (OGG Opus/Vorbis, MP3, AAC in
ADTS, FLAC, WebM/Matroska, MPEG-PS; seconds long, parameters drawn from the seed) beside the
OGG and MP3 files of forensics-samples-files.

Layout: each file starts at a sector boundary (512 bytes; some at 4096) after filler (random bytes,
zeros, or text-like bytes, a whole number of sectors). About 10 % of the files (30 % of the JPEGs)
are split into two fragments with other data between them, about 5 % are truncated (only a
prefix is written). Each
source file is used at most once, so every SHA-256 in the manifest names one file.

Manifest (JSON): image, size, seed, and per file: type (trawl's carver name), ext, source path,
size, sha256, fragments [[offset, length], ...] in file order, truncated (bool), written (bytes)."""
import argparse
import glob
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

SECTOR = 512


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def files_under(patterns, min_size=1024, max_size=32 << 20):
    out = set()
    for pattern in patterns:
        for path in glob.glob(pattern, recursive=True):
            try:
                if os.path.isfile(path) and not os.path.islink(path) and min_size <= os.path.getsize(path) <= max_size:
                    out.add(os.path.realpath(path))
            except OSError:
                pass
    return sorted(out)


def head_is(path, magic, offset=0):
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read(len(magic)) == magic
    except OSError:
        return False


def collect(rng, work):
    """{type: [(ext, path)]} of candidate files, sorted, then shuffled with the seed."""
    fs = "/usr/share/forensics-samples/original-files"
    c = {}

    def add(kind, ext, paths, magic=None, offset=0):
        for p in paths:
            if magic is None or head_is(p, magic, offset):
                c.setdefault(kind, []).append((ext, p))

    add("jpeg", "jpg", files_under([fs + "/**/*.jpg", fs + "/**/*.JPG", "/usr/share/**/*.jpg", "/usr/share/**/*.jpeg"]), b"\xff\xd8\xff")
    pngs = files_under([fs + "/**/*.png", "/usr/share/**/*.png"], min_size=2048)
    add("png", "png", pngs, b"\x89PNG")
    add("gif", "gif", files_under(["/usr/share/**/*.gif"]), b"GIF8")
    add("pdf", "pdf", files_under([fs + "/**/*.pdf", "/usr/share/**/*.pdf"]), b"%PDF-")
    add("zip", "docx", files_under([fs + "/**/*.docx"]), b"PK\x03\x04")
    add("zip", "odt", files_under([fs + "/**/*.odt"]), b"PK\x03\x04")
    add("zip", "jar", files_under(["/usr/share/java/*.jar", "/usr/share/**/*.jar"]), b"PK\x03\x04")
    add("gzip", "gz", files_under(["/usr/share/doc/**/*.gz", "/usr/share/man/**/*.gz"], min_size=4096), b"\x1f\x8b\x08")
    add("riff", "wav", files_under([fs + "/**/*.wav", "/usr/share/sounds/**/*.wav"]), b"RIFF")
    add("riff", "avi", files_under([fs + "/**/*.avi"]), b"RIFF")
    add("isobmff", "mp4", files_under([fs + "/**/*.mp4"]), b"ftyp", 4)
    add("ogg", "ogg", files_under([fs + "/**/*.ogg"]), b"OggS")
    add("mp3", "mp3", files_under([fs + "/**/*.mp3"]))
    add("elf", "elf", files_under(["/usr/bin/*", "/usr/lib/x86_64-linux-gnu/*.so*"], min_size=8192, max_size=8 << 20), b"\x7fELF")
    for k in c:
        rng.shuffle(c[k])
    # Conversions by Debian tools of PNGs not otherwise used: JPEG, BMP, TIFF, GIF (netpbm), WebP.
    pngs = c.get("png", [])
    spare, c["png"] = [p for _, p in pngs[: len(pngs) // 2][:600]], pngs[len(pngs) // 2:]
    conv = {"jpeg": "pnmtojpeg", "bmp": "ppmtobmp", "tiff": "pamtotiff", "gif": "pamtogif"}
    ext = {"jpeg": "jpg", "bmp": "bmp", "tiff": "tif", "gif": "gif", "webp": "webp"}
    for i, p in enumerate(spare):
        kind = ("jpeg", "bmp", "tiff", "gif", "webp", "jpeg")[i % 6]
        out = os.path.join(work, "conv%04d.%s" % (i, ext[kind]))
        if kind == "webp":
            ok = subprocess.run(["cwebp", "-quiet", p, "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        else:
            pnm = subprocess.run(["pngtopnm", p], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            if pnm.returncode != 0:
                continue
            with open(out, "wb") as f:
                ok = subprocess.run([conv[kind]], input=pnm.stdout, stdout=f, stderr=subprocess.DEVNULL).returncode == 0
        if ok and os.path.getsize(out) > 0:
            c.setdefault("riff" if kind == "webp" else kind, []).append((ext[kind], out))
    # 7z archives of documentation folders.
    docs = sorted(d for d in glob.glob("/usr/share/doc/*") if os.path.isdir(d))
    rng.shuffle(docs)
    for i, d in enumerate(docs[:40]):
        out = os.path.join(work, "doc%02d.7z" % i)
        if subprocess.run(["7z", "a", "-bd", "-bso0", "-bsp0", out, d], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            c.setdefault("7z", []).append(("7z", out))
    # SQLite databases, made by the sqlite3 library python3 links.
    for i in range(60):
        out = os.path.join(work, "db%02d.sqlite" % i)
        con = sqlite3.connect(out)
        con.execute("pragma page_size=%d" % (1024 << (i % 4)))
        con.execute("create table t(id integer primary key, name text, blob blob)")
        con.executemany("insert into t values(?, ?, ?)",
                        [(j, "name %d %d" % (i, j), rng.randbytes(rng.randrange(10, 400))) for j in range(rng.randrange(10, 3000))])
        con.commit()
        con.close()
        c.setdefault("sqlite", []).append(("sqlite", out))
    # Media from ffmpeg's own test signals (skipped where ffmpeg is missing).
    if shutil.which("ffmpeg"):
        media = [("ogg", "opus", ["-c:a", "libopus", "-b:a", "24k"]), ("ogg", "ogg", ["-c:a", "libvorbis"]),
                 ("mp3", "mp3", ["-c:a", "libmp3lame"]), ("adts", "aac", ["-c:a", "aac", "-f", "adts"]),
                 ("flac", "flac", ["-c:a", "flac"]), ("matroska", "webm", ["-c:v", "libvpx", "-b:v", "200k"]),
                 ("matroska", "mkv", ["-c:v", "mpeg1video"]), ("mpeg-ps", "mpg", ["-c:v", "mpeg1video", "-f", "mpeg"])]
        for i in range(48):
            kind, ext, codec = media[i % len(media)]
            seconds = rng.choice([1, 2, 3, 5, 8])
            if kind in ("matroska", "mpeg-ps"):
                src = ["-f", "lavfi", "-i", "testsrc=size=%dx%d:rate=25:duration=%d" % (rng.choice([160, 320]), 120, seconds)]
            else:
                src = ["-f", "lavfi", "-i", "anoisesrc=d=%d:c=pink:r=%d:a=0.2:seed=%d" % (seconds, rng.choice([22050, 44100, 48000]), i)]
            out = os.path.join(work, "media%02d.%s" % (i, ext))
            if subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-fflags", "+bitexact", "-flags",
                               "+bitexact", *src, *codec, out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                c.setdefault(kind, []).append((ext, out))
    for k in c:
        c[k].sort(key=lambda e: e[1])
        rng.shuffle(c[k])
    return c


# How much of the image each type gets: roughly what a phone or laptop disk holds.
WEIGHTS = {"jpeg": 24, "png": 12, "gif": 3, "bmp": 3, "tiff": 3, "pdf": 6, "zip": 10, "gzip": 10, "riff": 6,
           "isobmff": 4, "elf": 10, "7z": 4, "sqlite": 5, "ogg": 1, "mp3": 1, "adts": 1, "flac": 1, "matroska": 1,
           "mpeg-ps": 1}


def filler(rng, sectors):
    kind = rng.random()
    n = sectors * SECTOR
    if kind < 0.5:
        return rng.randbytes(n)
    if kind < 0.8:
        return bytes(n)
    words = [b"the ", b"data ", b"file ", b"disk ", b"and ", b"of ", b"\n", b"trawl ", b"0123 "]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words)
    return bytes(out[:n])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1G", help="image size (K, M, G suffixes), default 1G")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="image path; the manifest is written to OUT.json")
    ap.add_argument("--fragmented", type=float, default=0.10, help="share of files split in two (default 0.10)")
    ap.add_argument("--truncated", type=float, default=0.05, help="share of files cut short (default 0.05)")
    args = ap.parse_args()
    size = parse_size(args.size)
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="trawl-corpus-")
    try:
        candidates = collect(rng, work)
        kinds = [k for k in WEIGHTS if candidates.get(k)]
        weights = [WEIGHTS[k] for k in kinds]
        manifest = {"image": os.path.abspath(args.out), "size": size, "seed": args.seed, "files": []}
        pending = []  # second fragments waiting for a place: (entry, bytes)
        used = set()  # SHA-256 of every file placed
        with open(args.out, "wb") as img:
            pos = 0

            def write(data):
                nonlocal pos
                img.write(data)
                pos += len(data)

            def pad_to_sector():
                if pos % SECTOR:
                    write(filler(rng, 1)[: SECTOR - pos % SECTOR])

            while True:
                gap = filler(rng, rng.choice([1, 1, 2, 3, 8, 16]))
                if pending and rng.random() < 0.5:
                    entry, data = pending.pop(0)
                    if pos + len(gap) + len(data) + SECTOR > size:
                        break
                    write(gap)
                    entry["fragments"].append([pos, len(data)])
                    write(data)
                    pad_to_sector()
                    continue
                kind = rng.choices(kinds, weights)[0]
                if not candidates[kind]:
                    kinds_left = [k for k in kinds if candidates[k]]
                    if not kinds_left:
                        break
                    kind = rng.choice(kinds_left)
                ext, path = candidates[kind].pop()
                with open(path, "rb") as f:
                    data = f.read()
                digest = hashlib.sha256(data).hexdigest()
                if digest in used:  # the same bytes under another name: one SHA-256, one file
                    continue
                used.add(digest)
                if pos + len(gap) + len(data) + 2 * SECTOR > size:
                    if len(data) > (1 << 20):
                        continue  # a smaller one may still fit
                    break
                write(gap)
                if rng.random() < 0.2 and pos % 4096:
                    write(filler(rng, (4096 - pos % 4096) // SECTOR))
                entry = {"id": len(manifest["files"]), "type": kind, "ext": ext, "source": path, "size": len(data),
                         "sha256": digest, "fragments": [], "truncated": False,
                         "written": len(data)}
                r = rng.random()
                # JPEGs are split three times as often: the image holds few of them (the system has
                # few JPEGs), and split JPEGs are what bench/compare_reassembly.sh measures for them.
                fragmented = args.fragmented * (3 if kind == "jpeg" else 1)
                if r < fragmented and len(data) >= 4 * SECTOR:
                    cut = rng.randrange(1, len(data) // SECTOR) * SECTOR
                    entry["fragments"].append([pos, cut])
                    write(data[:cut])
                    pending.append((entry, data[cut:]))
                elif r < fragmented + args.truncated and len(data) >= 2 * SECTOR:
                    keep = rng.randrange(SECTOR, len(data))
                    entry["truncated"] = True
                    entry["written"] = keep
                    entry["fragments"].append([pos, keep])
                    write(data[:keep])
                else:
                    entry["fragments"].append([pos, len(data)])
                    write(data)
                pad_to_sector()
                manifest["files"].append(entry)
            # Second fragments that found no place: the file is truncated after all.
            for entry, _ in pending:
                entry["truncated"] = True
                entry["written"] = sum(f[1] for f in entry["fragments"])
            rest = size - pos
            while rest > 0:
                n = min(rest, 64 << 20)
                write(filler(rng, (n + SECTOR - 1) // SECTOR)[:n])
                rest -= n
        with open(args.out + ".json", "w") as f:
            json.dump(manifest, f, indent=1)
        by_type = {}
        for e in manifest["files"]:
            t = by_type.setdefault(e["type"], [0, 0, 0])
            t[0] += 1
            t[1] += len(e["fragments"]) > 1
            t[2] += e["truncated"]
        print("corpus: %s, %d bytes, %d files" % (args.out, size, len(manifest["files"])))
        for k, (n, frag, trunc) in sorted(by_type.items()):
            print("  %-8s %5d files (%d in two fragments, %d truncated)" % (k, n, frag, trunc))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
