#!/usr/bin/env python3
"""Writes COUNT SQLite databases made by python3's sqlite3 module into OUTDIR (db0.sqlite ...):
a few hundred KB each, page size 4096 or 1024 (alternating), several tables of rows with text,
numbers and some long values (overflow pages), an index or two, and in every other one rows
deleted afterwards (freelist pages). Then the layouts the walk must also read as valid
(variant-*.sqlite): full and incremental auto-vacuum (pointer-map pages), a WITHOUT ROWID table,
views, triggers and an FTS5 table, 64 KiB pages, many deleted rows. Deterministic: the same bytes
every run."""
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


def variant(name, pragmas, statements, after=()):
    path = os.path.join(out, "variant-%s.sqlite" % name)
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path, isolation_level=None)
    for p in pragmas:
        con.execute(p)
    con.execute("begin")
    for s in statements:
        con.execute(*s)
    con.execute("commit")
    for s in after:
        con.execute(s)
    con.close()


rng = random.Random(99)
blob = lambda n: bytes(rng.randrange(256) for _ in range(n))
variant("autovacuum", ["pragma auto_vacuum=full"],
        [("create table a(id integer primary key, t text)",)] + [("insert into a(t) values(?)", ("x" * (i * 7 % 3000),)) for i in range(600)])
variant("incremental", ["pragma auto_vacuum=incremental", "pragma page_size=1024"],
        [("create table a(id integer primary key, t text)",), ("create index ai on a(t)",)] +
        [("insert into a(t) values(?)", (("y%d" % i) * (i % 50),)) for i in range(1500)])
variant("without-rowid", [], [("create table w(k text primary key, v blob) without rowid",)] +
        [("insert into w values(?, ?)", ("key%06d" % i, blob(i % 700))) for i in range(800)])
variant("schema", [], [("create table a(x, y)",), ("create view v as select * from a",),
                       ("create trigger tr after insert on a begin select 1; end",), ("create virtual table f using fts5(body)",)] +
        [("insert into a values(?, ?)", (i, str(i) * 30)) for i in range(1000)] +
        [("insert into f values(?)", (("word%d " % i) * 20,)) for i in range(300)])
variant("page64k", ["pragma page_size=65536"], [("create table a(id integer primary key, t blob)",)] +
        [("insert into a(t) values(?)", (blob(i * 37 % 100000),)) for i in range(12)])
variant("deleted", [], [("create table a(id integer primary key, t text)",)] +
        [("insert into a(t) values(?)", ("z" * (i % 1500),)) for i in range(1500)], ["delete from a where id % 2 = 0"])
