#!/usr/bin/env python3
"""Fails when a lower layer of trawl includes a higher one (../shared/design.md, "Stage modules
and layers"; HACKING.md, "Layers").

    scripts/check_layers.py [ROOT]                  check (CI: ctest -R layers)
    scripts/check_layers.py [ROOT] --write-known    rewrite scripts/layers-known.txt from the tree
    scripts/check_layers.py [ROOT] --no-known       every violation, known or not, by arrow
    scripts/check_layers.py --table                 the table of allowed arrows, as Markdown

Every .hpp/.cpp/.cu/.cuh/.h under kernels/, include/, host/ and carvers/ belongs to the folder
that holds it, and every folder to one layer of LAYERS below. Each `#include "..."` that
resolves to a file of the repository (as the compiler resolves it: the including file's folder,
then ROOT, then ROOT/include) must point into the file's own folder or into a folder that
ALLOWED lets it include. A file in a folder that no layer names, or an include of such a folder,
is an error too: a new folder gets its row in LAYERS before it gets code.

The includes that break the rules today are listed in scripts/layers-known.txt, grouped by arrow
with the reason and the way out. The check fails on a violation that the list does not hold and
on a listed line that no longer occurs, so the list only shrinks. Exit 0: no new violation, no
stale line; exit 1 otherwise.
"""

import argparse
import os
import re
import sys

# ---------------------------------------------------------------------------------------------
# The layers, lowest first. A folder may include the folders of every layer below its own, its
# own folder, and the sibling arrows of SAME_LAYER; nothing else.
LAYERS = [
    ("kernels", ["kernels"]),
    ("core (records, errors, options)", ["include/trawl", "host/core", "host/util"]),
    ("sources/reader", ["host/source", "host/reader"]),
    ("backends, scanners, carvers, context",
     ["host/backend", "host/backend/cuda", "host/hashing", "host/scanners", "host/decoders",
      "carvers", "host/known", "host/filesystem"]),
    ("stage modules", ["host/modules"]),
    ("pipeline", ["host/pipeline"]),
    ("case/merge", ["host/case", "host/merge"]),
    ("CLI", ["host/cli"]),
]

# Arrows between folders of one layer. Any pair not named here may not include the other:
# "backend includes scanners" and "pipeline <-> filesystem" are exactly what this forbids.
SAME_LAYER = {
    # The installed public header includes nothing of the tree; records and utilities may use
    # its Error and options.
    "host/core": ["include/trawl", "host/util"],
    "host/util": ["include/trawl"],
    # The reader reads from a Source; a Source knows nothing of chunks.
    "host/reader": ["host/source"],
    # Digest algorithms are the common vocabulary of block hashing and known-file lookups.
    "host/backend": ["host/hashing",
                     "host/backend/cuda"],   # select_backend constructs the CUDA backend
    "host/backend/cuda": ["host/backend"],   # which implements the Backend interface
    "host/known": ["host/hashing"],
}

# Sinks sit on core alone: they know records, never stages or engines. Layers from
# SINKS_USED_FROM up (stage modules, pipeline, case/merge, CLI) may include them.
SINKS = "host/sinks"
SINKS_ON = "core (records, errors, options)"
SINKS_USED_FROM = "stage modules"

ROOTS = ["kernels", "include", "host", "carvers"]
EXTENSIONS = (".hpp", ".cpp", ".cu", ".cuh", ".h")
KNOWN = os.path.join("scripts", "layers-known.txt")
# ---------------------------------------------------------------------------------------------

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def derive_allowed():
    """folder -> the set of folders it may include (its own folder included)."""
    names = [name for name, _ in LAYERS]
    allowed = {}
    below = []
    for name, folders in LAYERS:
        for folder in folders:
            allowed[folder] = {folder, *below, *SAME_LAYER.get(folder, [])}
            if names.index(name) >= names.index(SINKS_USED_FROM):
                allowed[folder].add(SINKS)
        below += folders
    upto = names.index(SINKS_ON)
    allowed[SINKS] = {SINKS, *(f for _, folders in LAYERS[:upto + 1] for f in folders)}
    layer = {f: name for name, folders in LAYERS for f in folders}
    for folder, targets in SAME_LAYER.items():
        for target in [folder, *targets]:
            if target not in layer:
                sys.exit(f"check_layers: SAME_LAYER names {target}, which no layer of LAYERS holds")
            if layer[target] != layer[folder]:
                sys.exit(f"check_layers: SAME_LAYER arrow {folder} -> {target} crosses layers "
                         f"({layer[folder]} -> {layer[target]}); only arrows within one layer go there")
    return allowed


def print_table():
    """The Markdown table of HACKING.md's "Layers" section."""
    names = [name for name, _ in LAYERS]
    rows = list(LAYERS)
    rows.insert(names.index(SINKS_USED_FROM), ("sinks", [SINKS]))
    print("| layer | folders | may include (besides its own folder) |")
    print("| --- | --- | --- |")
    for name, folders in rows:
        own = ", ".join(f"`{f}`" for f in folders)
        if name == "sinks":
            may = f"{SINKS_ON}, kernels; nothing else"
        else:
            level = names.index(name)
            may = "every layer below" if level else "nothing else"
            if level >= names.index(SINKS_USED_FROM):
                may += ", sinks"
            arrows = [f"`{f}` → `{t}`" for f in folders for t in SAME_LAYER.get(f, [])]
            if arrows:
                may += "; in its own layer only " + ", ".join(arrows)
        print(f"| {name} | {own} | {may} |")


def source_files(root):
    for top in ROOTS:
        for folder, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(EXTENSIONS):
                    yield os.path.relpath(os.path.join(folder, name), root)


def resolve(root, path, written):
    """The repository file that `#include "written"` in path names, or None (a system or
    generated header)."""
    for base in (os.path.dirname(path), "", "include"):
        candidate = os.path.normpath(os.path.join(base, written))
        if not candidate.startswith("..") and os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def scan(root, allowed):
    """(violations, errors, files): violations are (path, line, written, target, from, to),
    errors are lines about folders that no layer holds."""
    violations, errors, files = [], [], 0
    for path in source_files(root):
        files += 1
        folder = os.path.dirname(path)
        if folder not in allowed:
            errors.append(f"{path}: folder {folder} is in no layer; give it a row in "
                          f"scripts/check_layers.py (LAYERS) and HACKING.md's layer table")
            continue
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(root, path, m.group(1))
                if target is None:
                    continue
                to = os.path.dirname(target)
                if to not in allowed:
                    errors.append(f"{path}:{number}: includes {m.group(1)} from folder {to}, "
                                  f"which is in no layer")
                elif to not in allowed[folder]:
                    violations.append((path, number, m.group(1), target, folder, to))
    return violations, errors, files


def read_known(path):
    """(entries: 'path -> included path' -> line number, reasons: 'folder -> folder' -> the
    comment lines between the group's '## ' header and its first entry)."""
    entries, reasons = {}, {}
    if not os.path.exists(path):
        return entries, reasons
    group, in_reason = None, False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("## "):
                group, in_reason = line[3:].strip(), True
                reasons[group] = []
            elif line.startswith("#"):
                if group is not None and in_reason:
                    reasons[group].append(line)
            elif line.strip():
                in_reason = False
                parts = [p.strip() for p in line.split(" -> ")]
                if len(parts) != 2 or not all(parts):
                    sys.exit(f"{path}:{number}: expected 'path -> included path', got '{line}'")
                entries.setdefault(" -> ".join(parts), number)
    return entries, reasons


HEADER = """\
# Includes that break the layer rules today (scripts/check_layers.py; HACKING.md, "Layers").
# Every line here is to be removed: fix the include, then delete the line (the check fails on a
# line that no longer occurs, so this list only shrinks). Each group is one arrow, folder ->
# folder, with why it is here and what removes it. Do not add lines by hand for new code:
# scripts/check_layers.py --write-known rewrites the list from the tree and keeps each group's
# comment (the lines between its '## ' header and its first entry)."""


def write_known(path, violations, reasons):
    by_arrow = {}
    for p, _, _, target, a, b in violations:
        by_arrow.setdefault(f"{a} -> {b}", set()).add(f"{p} -> {target}")
    lines = [HEADER]
    for arrow in sorted(by_arrow):
        lines += ["", f"## {arrow}"]
        lines += reasons.get(arrow) or [
            "# Not yet explained: say why this include is here and what change removes it."]
        lines += sorted(by_arrow[arrow])
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return sum(len(v) for v in by_arrow.values()), len(by_arrow)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?",
                    default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--known", help=f"the list of known violations (default ROOT/{KNOWN})")
    ap.add_argument("--write-known", action="store_true",
                    help="rewrite the known list from the tree (keeps each group's comment)")
    ap.add_argument("--no-known", action="store_true",
                    help="ignore the known list: print every violation and the counts by arrow")
    ap.add_argument("--table", action="store_true", help="print the layer table as Markdown")
    args = ap.parse_args()
    allowed = derive_allowed()
    if args.table:
        print_table()
        return 0
    root = os.path.abspath(args.root)
    known_path = os.path.abspath(args.known or os.path.join(root, KNOWN))
    shown = os.path.relpath(known_path, root) if known_path.startswith(root + os.sep) else known_path
    violations, errors, files = scan(root, allowed)
    for line in errors:
        print(line)

    if args.write_known:
        _, reasons = read_known(known_path)
        count, arrows = write_known(known_path, violations, reasons)
        print(f"check_layers: wrote {count} known violation(s) in {arrows} arrow(s) to {known_path}")
        return 1 if errors else 0

    known = {} if args.no_known else read_known(known_path)[0]
    new = [v for v in violations if f"{v[0]} -> {v[3]}" not in known]
    present = {f"{v[0]} -> {v[3]}" for v in violations}
    stale = sorted((number, entry) for entry, number in known.items() if entry not in present)
    for path, number, written, _, a, b in new:
        print(f"{path}:{number}: includes {written} (folder {a} may not include folder {b})")
    for number, entry in stale:
        print(f"{shown}:{number}: '{entry}' no longer occurs; delete the line (the list only "
              f"shrinks)")
    if args.no_known:
        by_arrow = {}
        for v in violations:
            by_arrow[f"{v[4]} -> {v[5]}"] = by_arrow.get(f"{v[4]} -> {v[5]}", 0) + 1
        for arrow, count in sorted(by_arrow.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {count:4d}  {arrow}")
    remaining = len(known) - len(stale)
    if args.no_known:
        shown += " (ignored: --no-known)"
    if new or stale or errors:
        print(f"check_layers: FAILED: {len(new)} new violation(s), {len(stale)} stale known "
              f"line(s), {len(errors)} folder error(s) in {files} files; {remaining} known "
              f"exception(s) remain in {shown}")
        print("check_layers: fix the include (HACKING.md, \"Layers\"); where files only moved or "
              "known includes went away, scripts/check_layers.py --write-known rewrites the list")
        return 1
    print(f"check_layers: OK: {files} files, no new violation; {remaining} known exception(s) "
          f"remain in {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
