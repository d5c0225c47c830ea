#!/usr/bin/env python3
"""Batch runs killed at random moments and resumed give the outputs of an uninterrupted run.

    test_resume.py TRAWL_BINARY MAKE_DEVICES_PY

An uninterrupted batch over generated devices is the reference. Then, for several seeded random
moments, a batch is killed with SIGKILL (as by a power loss), resumed with --resume (killed again
once, mid-resume), and finished; its output folders must equal the reference byte for byte
(timings aside). SIGINT must stop a batch with exit code 130 and leave a resumable state.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TRAWL, MAKE_DEVICES = sys.argv[1], sys.argv[2]
OPTIONS = ["--page-size", "4M", "-q", "-j", "2"]
TIMING_KEYS = {"timings", "started_utc", "finished_utc", "throughput_MBps"}


def scan(manifest, out, *more):
    return subprocess.Popen([TRAWL, "scan", "--manifest", manifest, "-o", out, *OPTIONS, *more],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def comparable(path):
    """The bytes of an output file that must not depend on interruption (timings removed)."""
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    if name == "summary.json":
        summary = json.loads(data)
        for key in TIMING_KEYS:
            summary.pop(key, None)
        return json.dumps(summary, sort_keys=True).encode()
    if name == "report.xml":
        return b"\n".join(l for l in data.split(b"\n") if b"<start_time>" not in l)
    return data


def tree(root):
    """relative path -> comparable bytes, for every image folder's files (the batch's own
    bookkeeping, journal.jsonl and batch.json, and the per-image logs are not outputs)."""
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if rel in ("journal.jsonl", "batch.json") or name == "trawl.log":
                continue
            out[rel] = comparable(path)
    return out


def differences(a, b):
    diffs = sorted(set(a) ^ set(b))
    diffs += [k for k in sorted(set(a) & set(b)) if a[k] != b[k]]
    return diffs


def main():
    tmp = tempfile.mkdtemp(prefix="trawl-resume-")
    try:
        subprocess.run([sys.executable, MAKE_DEVICES, os.path.join(tmp, "img"), "--devices", "6", "--size", "8M",
                        "--big", "24M"], check=True)
        manifest = os.path.join(tmp, "img", "manifest.csv")
        started = time.monotonic()
        ref = scan(manifest, os.path.join(tmp, "ref"))
        assert ref.wait() == 0, ref.stderr.read().decode()
        duration = time.monotonic() - started
        reference = tree(os.path.join(tmp, "ref"))
        assert len([k for k in reference if k.endswith("summary.json")]) == 7, sorted(reference)
        failures = 0
        rnd = random.Random(20261129)
        points = sorted(rnd.uniform(0.05, 0.95) * duration for _ in range(6))
        for n, moment in enumerate(points):
            out = os.path.join(tmp, "run%d" % n)
            p = scan(manifest, out)
            time.sleep(moment)
            p.send_signal(signal.SIGKILL)
            p.wait()
            if n == 2:  # killed again while resuming
                r = scan(manifest, out, "--resume")
                time.sleep(min(moment, duration) / 2)
                r.send_signal(signal.SIGKILL)
                r.wait()
            r = scan(manifest, out, "--resume")
            code = r.wait()
            diffs = differences(reference, tree(out))
            ok = code == 0 and not diffs
            failures += not ok
            print("kill at %.2f s of %.2f: resume exit %d, %s" % (moment, duration, code,
                  "identical" if not diffs else "DIFFERENT: %s" % diffs[:5]))
        # SIGINT: a clean stop (exit 130), then --resume finishes it.
        out = os.path.join(tmp, "sigint")
        p = scan(manifest, out)
        time.sleep(duration / 3)
        p.send_signal(signal.SIGINT)
        code = p.wait()
        batch = json.load(open(os.path.join(out, "batch.json")))
        statuses = sorted({i["status"] for i in batch["images"]})
        r = scan(manifest, out, "--resume")
        resumed = r.wait()
        diffs = differences(reference, tree(out))
        ok = code == 130 and "interrupted" in statuses and resumed == 0 and not diffs
        failures += not ok
        print("SIGINT at %.2f s: exit %d, statuses %s; resume exit %d, %s" % (duration / 3, code, statuses, resumed,
              "identical" if not diffs else "DIFFERENT: %s" % diffs[:5]))
        # Resuming a finished batch redoes nothing.
        before = os.path.getmtime(os.path.join(out, "dev-a", "summary.json"))
        assert scan(manifest, out, "--resume").wait() == 0
        if os.path.getmtime(os.path.join(out, "dev-a", "summary.json")) != before:
            failures += 1
            print("a finished image was scanned again on --resume")
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
