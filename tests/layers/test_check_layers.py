#!/usr/bin/env python3
"""scripts/check_layers.py fails on a planted violation (ctest: layers.include_check_fails_on_a_planted_violation).

    tests/layers/test_check_layers.py [ROOT]

Copies ROOT's kernels/, include/, host/, carvers/ and scripts/layers-known.txt into a temporary
folder and runs the check there: the copy passes as it is; it fails, naming the file and the
arrow, once a kernel header or a sink header includes the CLI's host/cli/commands.hpp; it fails on a
folder that no layer holds (a file in it, and an include of it); it fails when a listed known
violation is fixed but its line stays; and after --write-known it passes with one line fewer.
Reads only the repository and its own temporary folder.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "scripts", "check_layers.py")
PLANT = '#include "host/cli/commands.hpp"\n'
failures = []


def check(root, *extra):
    run = subprocess.run([sys.executable, SCRIPT, root, *extra], capture_output=True, text=True, timeout=60)
    return run.returncode, run.stdout + run.stderr


def expect(condition, what, output):
    if not condition:
        failures.append(f"{what}\n--- check_layers said:\n{output}---")


def first_header(root, folder):
    names = sorted(n for n in os.listdir(os.path.join(root, folder)) if n.endswith(".hpp"))
    return f"{folder}/{names[0]}"


def planted(root, path, text):
    """Appends the line text to the file; returns the file's old contents and the new line's number."""
    full = os.path.join(root, path)
    with open(full, encoding="utf-8") as f:
        old = f.read()
    body = old if old.endswith("\n") or not old else old + "\n"
    with open(full, "w", encoding="utf-8") as f:
        f.write(body + text)
    return old, body.count("\n") + 1


def restore(root, path, old):
    with open(os.path.join(root, path), "w", encoding="utf-8") as f:
        f.write(old)


def main():
    with tempfile.TemporaryDirectory(prefix="trawl-layers-") as tmp:
        for top in ("kernels", "include", "host", "carvers"):
            shutil.copytree(os.path.join(ROOT, top), os.path.join(tmp, top))
        os.makedirs(os.path.join(tmp, "scripts"))
        known = os.path.join(tmp, "scripts", "layers-known.txt")
        if os.path.exists(os.path.join(ROOT, "scripts", "layers-known.txt")):
            shutil.copy(os.path.join(ROOT, "scripts", "layers-known.txt"), known)

        rc, out = check(tmp)
        if rc != 0:
            print(f"FAIL: the unchanged copy of the tree fails the check (see layers.include_check):\n{out}")
            return 1

        # A lower layer includes the CLI: a kernel header, and a sink (sinks sit on core alone).
        for folder in ("kernels", "host/sinks"):
            path = first_header(tmp, folder)
            old, line = planted(tmp, path, PLANT)
            rc, out = check(tmp)
            want = f"{path}:{line}: includes host/cli/commands.hpp (folder {folder} may not include folder host/cli)"
            expect(rc == 1, f"FAIL: {path} includes host/cli/commands.hpp and the check exited {rc}", out)
            expect(want in out, f"FAIL: the violation in {path} is not named as '{want}'", out)
            expect("1 new violation" in out, f"FAIL: the count for {path} is not 1", out)
            restore(tmp, path, old)

        # A folder that no layer holds: a file in it, and an include of it from a known folder.
        os.makedirs(os.path.join(tmp, "host", "newthing"))
        with open(os.path.join(tmp, "host", "newthing", "thing.hpp"), "w", encoding="utf-8") as f:
            f.write('#pragma once\n#include "trawl/trawl.hpp"\n')
        rc, out = check(tmp)
        expect(rc == 1, f"FAIL: a file in host/newthing passed the check (exit {rc})", out)
        expect("host/newthing/thing.hpp: folder host/newthing is in no layer" in out,
               "FAIL: the unknown folder host/newthing is not named", out)
        path = "host/cli/commands.hpp"
        old, line = planted(tmp, path, '#include "host/newthing/thing.hpp"\n')
        rc, out = check(tmp)
        expect(f"{path}:{line}: includes host/newthing/thing.hpp from folder host/newthing, which is in no layer" in out,
               f"FAIL: the include of host/newthing from {path} is not named", out)
        restore(tmp, path, old)
        shutil.rmtree(os.path.join(tmp, "host", "newthing"))

        # A known violation fixed in the code but still listed: the list must shrink.
        entries = []
        if os.path.exists(known):
            with open(known, encoding="utf-8") as f:
                entries = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        if entries:
            source, target = [p.strip() for p in entries[0].split(" -> ")]
            full = os.path.join(tmp, source)
            with open(full, encoding="utf-8") as f:
                lines = f.readlines()
            with open(full, "w", encoding="utf-8") as f:
                f.writelines(l for l in lines if not (l.lstrip().startswith("#") and "include" in l
                                                      and f'"{target}"' in l))
            rc, out = check(tmp)
            expect(rc == 1, f"FAIL: the stale known line '{entries[0]}' passed the check (exit {rc})", out)
            expect(f"'{entries[0]}' no longer occurs" in out, f"FAIL: the stale line '{entries[0]}' is not named", out)
            rc, out = check(tmp, "--write-known")
            expect(rc == 0, f"FAIL: --write-known exited {rc}", out)
            rc, out = check(tmp)
            expect(rc == 0 and f"{len(entries) - 1} known exception(s) remain" in out,
                   f"FAIL: after --write-known the check does not pass with {len(entries) - 1} known exceptions", out)

    if failures:
        print("\n".join(failures))
        return 1
    print("check_layers: fails on a kernel and a sink that include the CLI, on an unknown folder, on a stale known line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
