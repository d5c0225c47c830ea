#!/usr/bin/env python3
"""Fails when the test suite opened a file under /usr/share or /usr/lib that it may not read.

    check_open_files.py LOG [--inputs tests/inputs.list] [--allow tests/hermetic/allowed.txt]

LOG is what tests/hermetic/open_log.c wrote while the suite ran (PID, program, path per line).
A test may read the system's files only by exact path from tests/inputs.list (files of pinned
Debian packages, with their SHA-256); the programs the tests run may read their own libraries and
data (the prefixes in allowed.txt, each with its reason). Anything else — a directory listing of
/usr/share/doc, a PDF that some other package happened to install — makes the suite test a
different thing on every machine, and fails this check with the path and the program that opened it.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_inputs(path):
    """The pinned files, and the folders that hold them (a tool may open the folder of a file it
    reads, and a pinned package's folders hold only pinned files)."""
    listed = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                file = line.split()[0]
                listed.add(file)
                folder = os.path.dirname(file)
                while folder.startswith("/usr/share/") and folder.count("/") > 3:
                    listed.add(folder)
                    folder = os.path.dirname(folder)
    return listed


def read_allowed(path):
    prefixes = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            prefix, _, why = line.partition(" ")
            if not why.strip():
                sys.exit(f"{path}: '{prefix}' has no reason")
            prefixes.append(prefix)
    return prefixes


def allowed(path, prefixes):
    """prefixes: "/a/b/" allows /a/b and everything under it; "=/a/b" allows /a/b alone."""
    name = os.path.basename(path)
    # Shared libraries and plugins wherever they lie (.so, .so.N, .so.N.M).
    if ".so" in name and (name.endswith(".so") or ".so." in name):
        return True
    for p in prefixes:
        if p.startswith("="):
            if path == p[1:]:
                return True
        elif path == p.rstrip("/") or path.startswith(p):
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--inputs", default=os.path.join(ROOT, "tests", "inputs.list"))
    ap.add_argument("--allow", default=os.path.join(HERE, "allowed.txt"))
    args = ap.parse_args()
    listed = read_inputs(args.inputs)
    prefixes = read_allowed(args.allow)
    if not os.path.exists(args.log):
        sys.exit(f"check_open_files: {args.log} does not exist (was the suite run with the shim preloaded?)")
    opens = 0
    bad = {}
    with open(args.log, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            _, program, path = parts
            opens += 1
            path = os.path.normpath(path)
            if path in listed or allowed(path, prefixes):
                continue
            bad.setdefault(path, set()).add(os.path.basename(program))
    if bad:
        print(f"check_open_files: the tests opened {len(bad)} system path(s) not in tests/inputs.list:")
        for path in sorted(bad)[:50]:
            print(f"  {path}  (by {', '.join(sorted(bad[path]))})")
        if len(bad) > 50:
            print(f"  ... and {len(bad) - 50} more")
        print("Generate the input in the test, or pin the file in tests/inputs.list (path, package=version, SHA-256).")
        return 1
    print(f"check_open_files: {opens} opens under /usr/share and /usr/lib, all listed inputs or allowed tool data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
