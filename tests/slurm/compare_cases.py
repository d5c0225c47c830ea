#!/usr/bin/env python3
"""Compares two trawl case databases by content: devices (without their folders, start times
and summaries), identifiers, occurrences and carved files, keyed by device label and
identifier, not by row ids. Exit 0 when equal; otherwise prints the first differences."""
import sqlite3
import sys


def content(path):
    db = sqlite3.connect(path)
    q = lambda sql: sorted(tuple(r) for r in db.execute(sql))
    return {
        "devices": q("SELECT label, notes, image, image_size, md5, sha1, sha256, interrupted, exit_code FROM devices"),
        "identifiers": q("SELECT type, value FROM identifiers"),
        "occurrences": q("""SELECT d.label, i.type, i.value, o.offset, o.path, o.length, o.rule, o.raw, o.encoding,
                                   o.valid, o.region, o.number_type, o.context, o.fs_path, o.fs_inode, o.fs_state, o.fs_offset
                            FROM occurrences o JOIN devices d ON d.id = o.device_id
                            JOIN identifiers i ON i.id = o.identifier_id"""),
        "carved_files": q("""SELECT d.label, c.offset, c.length, c.type, c.subtype, c.verdict, c.file, c.md5, c.sha256,
                                    c.parent, c.note FROM carved_files c JOIN devices d ON d.id = c.device_id"""),
    }


a, b = content(sys.argv[1]), content(sys.argv[2])
equal = True
for table in a:
    if a[table] != b[table]:
        equal = False
        only_a = sorted(set(a[table]) - set(b[table]))[:5]
        only_b = sorted(set(b[table]) - set(a[table]))[:5]
        print(f"{table}: {len(a[table])} vs {len(b[table])} rows; only in first: {only_a}; only in second: {only_b}")
    elif not a[table]:
        equal = False
        print(f"{table}: empty in both (the test data should fill it)")
sys.exit(0 if equal else 1)
