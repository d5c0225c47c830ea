#!/usr/bin/env python3
"""Writes COUNT SQLite databases made by python3's sqlite3 module into OUTDIR (db0.sqlite ...):
a few hundred KB each, page size 4096 or 1024 (alternating), several tables of rows with text,
numbers and some long values (overflow pages), an index or two, and in every other one rows
deleted afterwards (freelist pages). Deterministic: the same bytes every run."""
import os
import random
import sqlite3
import sys

out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"]
for n in range(count):
    rng = random.Random(n)
    path = os.path.join(out, "db%d.sqlite" % n)
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("pragma journal_mode=delete")
    con.execute("pragma page_size=%d" % (4096 if n % 2 == 0 else 1024))
    con.execute("begin")
    tables = 4 + rng.randrange(8)
    target = rng.randrange(200, 600) * 1024
    size = 0
    for t in range(tables):
        con.execute("create table t%d(id integer primary key, name text, value real, note text)" % t)
        if t % 3 == 0:
            con.execute("create index i%d on t%d(name)" % (t, t))
    row = 0
    while size < target:
        t = rng.randrange(tables)
        name = " ".join(rng.choice(words) for _ in range(rng.randrange(1, 6)))
        note = ("%s %d " % (rng.choice(words), row)) * rng.randrange(1, 12)
        if rng.random() < 0.01:
            note = note * rng.randrange(20, 60)  # longer than a page: overflow pages
        con.execute("insert into t%d(name, value, note) values(?, ?, ?)" % t, (name, rng.random() * 1000, note))
        size += len(name) + len(note) + 20
        row += 1
    con.execute("commit")
    if n % 2 == 1:
        con.execute("delete from t0 where id % 3 = 0")
    con.close()
