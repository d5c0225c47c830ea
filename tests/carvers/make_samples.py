#!/usr/bin/env python3
"""Writes real files that no Debian package ships, made by the system's own libraries, into OUTDIR:
db.sqlite (SQLite 3, made by python3's sqlite3 module), db.sqlite-wal (a write-ahead log copied
while the connection was open), db.sqlite-journal (a hot rollback journal copied mid-transaction),
app.apk (a ZIP with an Android manifest and classes.dex). Deterministic: same bytes every run."""
import os
import shutil
import sqlite3
import sys
import zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rows = [(i, ("row %d " % i) * 20) for i in range(2000)]

db = os.path.join(out, "db.sqlite")
for p in (db, db + "-journal", db + "-wal"):
    if os.path.exists(p):
        os.remove(p)
con = sqlite3.connect(db, isolation_level=None)
con.execute("pragma journal_mode=delete")
con.execute("create table t(id integer primary key, text)")
con.execute("begin")
con.executemany("insert into t values(?, ?)", rows)
con.execute("commit")
# A transaction that spills pages out of a one-page cache: the journal is synced (its record count
# written) before the database changes, and is copied while it is still hot.
con.execute("pragma cache_size=1")
con.execute("begin")
con.execute("update t set text = 'changed ' || text where id % 7 = 0")
shutil.copyfile(db + "-journal", os.path.join(out, "hot.sqlite-journal"))
con.execute("rollback")
con.close()

wal_db = os.path.join(out, "wal.sqlite")
for p in (wal_db, wal_db + "-wal", wal_db + "-shm"):
    if os.path.exists(p):
        os.remove(p)
con = sqlite3.connect(wal_db, isolation_level=None)
con.execute("pragma journal_mode=wal")
con.execute("pragma wal_autocheckpoint=0")
con.execute("create table t(id integer primary key, text)")
con.execute("begin")
con.executemany("insert into t values(?, ?)", rows[:300])
con.execute("commit")
shutil.copyfile(wal_db + "-wal", os.path.join(out, "db.sqlite-wal"))
con.close()
for p in (wal_db, wal_db + "-wal", wal_db + "-shm"):
    if os.path.exists(p):
        os.remove(p)

with zipfile.ZipFile(os.path.join(out, "app.apk"), "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in (("AndroidManifest.xml", b"<manifest package='org.example'/>" * 8),
                       ("classes.dex", b"dex\n035\0" + bytes(range(256)) * 4),
                       ("res/raw/readme.txt", b"hello\n" * 50)):
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
