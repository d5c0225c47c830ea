#!/usr/bin/env python3
"""How `trawl case build` and `trawl case correlate` scale with the number of devices.

A generated case of DEVICES devices x OCCURRENCES identifier occurrences each, following the
distributions of seized-phone cases: most identifiers are on one device (each device's own
contacts, URLs, ad ids: 85 % of its occurrences, each identifier about 3 times), a few are on
many (15 % of the occurrences come from one pool of 50,000 identifiers drawn log-uniformly, so
the first ones are on nearly every device and the tail on one or two); 40 % phones, 25 %
e-mail, 25 % URLs, 10 % ad ids; 10 % of the occurrences inside decoded (GZIP) streams; one in
ten follows the previous one within 100 bytes (app records: the phone/ad-id pairs). The images
are 4 GiB each (offsets spread over them).

The scan folders are synthetic and written as they are loaded: each device's
features/features.jsonl is a named pipe that this script fills while `trawl case build` reads
it, so the scans take no disk (only the case database does) and a 500-device case needs no
100 GB of feature files.

Prints, for the build and the correlation: wall seconds, user seconds and trawl's peak RSS (GNU
time), and the database's size and the outputs' sizes. Disk: only the database (about 44 MiB per
device of 200,000 occurrences in SQLite: 22 GB for 500 devices) and the outputs (a few hundred
MiB at 500 devices); the scan folders hold pipes and a summary.json each.
  bench/case_scale.py --devices 50 [--occurrences 200000] [--work DIR] [--trawl build/host/trawl]
  bench/case_scale.py --devices 2 --occurrences 3000 --image-size 16777216 --write DIR   (folders for tests)
"""
import argparse
import fcntl
import hashlib
import math
import os
import random
import shutil
import subprocess
import sys
import time

TYPES = ["phone"] * 8 + ["email"] * 5 + ["url"] * 5 + ["adid"] * 2  # by index % 20
SHARED_POOL = 50_000


def identifier(kind, owner, k):
    """(normalised, raw, rule) of identifier k of `owner` (a device number, or -1: the shared pool)."""
    if kind == "phone":
        v = f"+3397{k:07d}" if owner < 0 else f"+447{owner % 1000:03d}{k % 1000000:06d}"
        return v, v, "phone-international"
    if kind == "email":
        v = f"s{k}@shared{k % 50}.example.org" if owner < 0 else f"u{k}.d{owner}@mail{k % 97}.example.com"
        return v, v, "email"
    if kind == "url":
        v = f"https://shared{k % 40}.example.org/p/{k}" if owner < 0 else f"https://site{k % 300}.example.net/d{owner}/p{k}"
        return v, v, "url"
    uuid = f"{(owner + 1) & 0xffffffff:08x}-{(k >> 16) & 0xffff:04x}-4{k & 0xfff:03x}-8{(k >> 12) & 0xfff:03x}-{k:012x}"
    return "maid:" + uuid, "gaid=" + uuid, "gaid"


def device_lines(device, occurrences, image_size):
    """The features.jsonl lines of one device, generated (deterministically) as they are needed."""
    r = random.Random(1_000_003 * device + 17)
    private = max(1, int(occurrences * 0.85 / 3))
    step = image_size // max(1, occurrences)
    offset = 0
    stream_left = 0
    stream_offset = stream_pos = 0
    log_pool = math.log(SHARED_POOL)
    out = []
    for _ in range(occurrences):
        if r.random() < 0.15:
            owner, k = -1, int(math.exp(r.random() * log_pool)) - 1
        else:
            owner, k = device, r.randrange(private)
        kind = TYPES[k % 20]
        value, raw, rule = identifier(kind, owner, k)
        near = r.random() < 0.1
        if stream_left:
            stream_pos += r.randrange(100) if near else r.randrange(2 * 2000)
            stream_left -= 1
            at, path = stream_offset, f"{stream_offset}-GZIP-{stream_pos}"
        else:
            offset += len(raw) + (r.randrange(100) if near else r.randrange(2 * step))
            if r.random() < 0.01:  # a compressed stream holding the next ~10 matches
                stream_offset, stream_pos, stream_left = offset, r.randrange(64), r.randrange(20)
            at, path = offset, str(offset)
        context = ("..." + raw + " ;record=" + str(k % 9973) + "...............")[:48]
        extra = ',"region":"GB","number_type":"mobile"' if kind == "phone" else ""
        out.append(
            f'{{"context":"{context}","encoding":"ascii","length":{len(raw)},"normalised":"{value}","offset":{at},'
            f'"path":"{path}","raw":"{raw}","record":"feature","rule":"{rule}","type":"{kind}","valid":true{extra}}}\n')
        if len(out) >= 4096:
            yield "".join(out)
            out = []
    if out:
        yield "".join(out)


def summary(device, image_size):
    h = lambda alg: hashlib.new(alg, b"device %d" % device).hexdigest()
    return ('{"schema":"trawl-summary","schema_version":1,"device":{"label":"dev%04d","notes":""},'
            '"image":{"path":"/evidence/dev%04d.E01","size":%d},"hashes":{"md5":"%s","sha1":"%s","sha256":"%s"},'
            '"exit_code":0,"interrupted":false,"started_utc":"2026-12-01T00:00:00Z"}\n'
            % (device, device, image_size, h("md5"), h("sha1"), h("sha256")))


def make_folders(scans, first, devices, image_size):
    folders = []
    for d in range(first, first + devices):
        folder = os.path.join(scans, "dev%04d" % d)
        os.makedirs(os.path.join(folder, "features"))
        with open(os.path.join(folder, "summary.json"), "w") as f:
            f.write(summary(d, image_size))
        os.mkfifo(os.path.join(folder, "features", "features.jsonl"))
        folders.append(folder)
    return folders


def feed(folders, first, occurrences, image_size, reader):
    """Writes each device's features into its pipe when the loader opens it, in load order."""
    for i, folder in enumerate(folders):
        pipe = os.path.join(folder, "features", "features.jsonl")
        while True:
            try:
                fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:  # ENXIO: the loader has not opened it yet
                if reader.poll() is not None:
                    return False
                time.sleep(0.002)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        with os.fdopen(fd, "w") as out:
            try:
                for block in device_lines(first + i, occurrences, image_size):
                    out.write(block)
            except BrokenPipeError:
                return False
    return True


def timed(command, log):
    """Starts command under GNU time, which writes wall and user seconds and peak RSS to log."""
    return subprocess.Popen(["/usr/bin/time", "-f", "%e %U %M", "-o", log] + command)


def read_time(log):
    with open(log) as f:
        wall, user, rss = f.read().split()[-3:]
    return float(wall), float(user), int(rss) * 1024


def build(trawl, db, folders, first, occurrences, image_size, append, log):
    extra = ["--append"] if append else []
    proc = timed([trawl, "case", "build", *folders, "-o", db, "-q", *extra], log)
    fed = feed(folders, first, occurrences, image_size, proc)
    if proc.wait() != 0 or not fed:
        sys.exit("case build failed")
    return read_time(log)


def database_size(db):
    if not db.startswith("postgres"):
        return os.path.getsize(db)
    out = subprocess.run(["psql", db, "-Atqc", "SELECT pg_database_size(current_database())"], capture_output=True, text=True)
    return int(out.stdout.strip())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--devices", type=int, default=50)
    p.add_argument("--occurrences", type=int, default=200_000)
    p.add_argument("--image-size", type=int, default=4 << 30)
    p.add_argument("--work", default="/tmp/trawl-case-scale")
    p.add_argument("--trawl", default="build/host/trawl")
    p.add_argument("--append", type=int, default=0,
                   help="then add this many more devices with --append and correlate again")
    p.add_argument("--keep", action="store_true", help="keep the database")
    p.add_argument("--postgresql", metavar="URL", help="build into this (empty) PostgreSQL database instead of SQLite")
    p.add_argument("--write", metavar="DIR", help="only write the scan folders, as plain files, under DIR (for tests)")
    a = p.parse_args()
    if a.write:
        for d in range(a.devices):
            folder = os.path.join(a.write, "dev%04d" % d)
            os.makedirs(os.path.join(folder, "features"))
            with open(os.path.join(folder, "summary.json"), "w") as f:
                f.write(summary(d, a.image_size))
            with open(os.path.join(folder, "features", "features.jsonl"), "w") as f:
                f.writelines(device_lines(d, a.occurrences, a.image_size))
        return
    trawl = os.path.realpath(a.trawl)
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    db = a.postgresql or os.path.join(a.work, "case.db")
    log = os.path.join(a.work, "time.log")
    folders = make_folders(os.path.join(a.work, "scans"), 0, a.devices, a.image_size)
    wall, user, rss = build(trawl, db, folders, 0, a.occurrences, a.image_size, False, log)
    size = database_size(db)
    print(f"build      {a.devices} devices x {a.occurrences} occurrences: {wall:.1f} s wall, {user:.1f} s user, "
          f"peak RSS {rss / 2**20:.0f} MiB; database {size / 2**20:.0f} MiB", flush=True)

    def correlate(name):
        out = os.path.join(a.work, name)
        proc = timed([trawl, "case", "correlate", db, "-o", out, "-q", "--force"], log)
        if proc.wait() != 0:
            sys.exit("case correlate failed")
        wall, user, rss = read_time(log)
        sizes = {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))}
        listed = ", ".join(f"{f} {s / 2**20:.1f} MiB" for f, s in sizes.items() if s >= 2**20 / 10)
        print(f"correlate  {wall:.1f} s wall, {user:.1f} s user, peak RSS {rss / 2**20:.0f} MiB; {listed}", flush=True)

    correlate("correlation")
    if a.append:
        more = make_folders(os.path.join(a.work, "more"), a.devices, a.append, a.image_size)
        wall, user, rss = build(trawl, db, more, a.devices, a.occurrences, a.image_size, True, log)
        print(f"append     {a.append} devices: {wall:.1f} s wall, {user:.1f} s user, peak RSS {rss / 2**20:.0f} MiB; "
              f"database {database_size(db) / 2**20:.0f} MiB", flush=True)
        correlate("correlation-appended")
    if not a.keep and not a.postgresql:
        os.remove(db)
    shutil.rmtree(os.path.join(a.work, "scans"), ignore_errors=True)
    shutil.rmtree(os.path.join(a.work, "more"), ignore_errors=True)


if __name__ == "__main__":
    main()
