#!/usr/bin/env python3
"""Writes the small seed corpus of the host parsers' fuzz targets (tests/fuzz/corpus/{rule_pack,
inflate,block_file,hashset_import,hash_set,block_db,ewf,filesystem}/). Deterministic but for the
dates that ewfacquire, mtools and mke2fs record in the E01 and file-system seeds (a rerun changes
only those bytes); needs ewf-tools, dosfstools, mtools and e2fsprogs (scripts/setup.sh installs
them). Rerun after changing it and commit the files. Inputs the fuzzer found (ext2-inode-of-4GiB.bin,
ext2-superblock-of-128GiB.bin, ext2-orphan-inode-of-16EiB.bin, libewf-leak-damaged-last-chunk.E01)
are committed as found."""
import gzip, hashlib, io, os, shutil, sqlite3, struct, subprocess, sys, tempfile, zipfile, zlib

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data)


# Rule files: two real rules from the built-in pack and every key the format knows.
put("rule_pack", "phone.rules", b"""[phone-international]
type = phone
pattern = (?:\\+|00)[ ]?\\(?[1-9](?:[ .\\-/()]{0,2}\\d){6,14}
encodings = ascii utf16le
fullwidth = yes
validate = phone
boundary = glue
boundary_right = digit
prefilter = digits
""")
put("rule_pack", "email.rules", b"""# comment
[email]
type = email
pattern = [A-Za-z0-9._%+\\-]{1,64}@[A-Za-z0-9.\\-]{1,253}\\.[A-Za-z]{2,24}
caseless = yes
validate = email
boundary = token
max_length = 300
prefilter = at
""")
put("rule_pack", "watch.rules", b"[case-word]\ntype = watch\npattern = operation (?:red|blue)\nextract = (red|blue)\nregions = US CA\n")

# Compressed streams with text inside, and one nested: gzip inside a ZIP member.
text = b"call +44 20 7946 0958 or mail someone@example.org; " * 4
put("inflate", "member.gz", gzip.compress(text, mtime=0))
put("inflate", "stream.zlib", b"junk" + zlib.compress(text) + b"tail")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo("inner.gz", date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, gzip.compress(text, mtime=0))
put("inflate", "nested.zip", buf.getvalue())


# Block-digest files: an MD5 file of 3 blocks, and a range file (first block 2, 2 blocks held).
def block_file(algorithm, digest_size, block_size, image_size, first, held, digests):
    count = (image_size + block_size - 1) // block_size
    header = b"TRAWLBLK" + struct.pack("<IIIIQQQQ", 1, algorithm, digest_size, block_size, image_size, count, first, held)
    return header.ljust(64, b"\0") + digests


put("block_file", "md5.blocks", block_file(1, 16, 4096, 10000, 0, 0, bytes(range(48))))
put("block_file", "range.blocks", block_file(6, 8, 512, 5000, 2, 2, bytes(range(16))))


# Hash-set imports: one byte picks the format (0 auto, 1 rds3, 2 rds2, 3 hashdeep, 4 sum), then the file.
files = [(b"alpha.txt", b"alpha\n"), (b"beta, with comma.bin", b"\x00\x01beta"), (b"gamma", b"g" * 100)]
sums = b"".join(hashlib.md5(d).hexdigest().encode() + b"  " + n + b"\n" for n, d in files)
put("hashset_import", "md5sum.txt", b"\x04" + sums)
tag = b"".join(b"SHA256 (" + n + b") = " + hashlib.sha256(d).hexdigest().encode() + b"\n" for n, d in files)
put("hashset_import", "sha256sum-tag.txt", b"\x00# comment\n" + tag + b"\\" + sums.splitlines()[0][:32] + b" *odd\\nname\n")
deep = b"%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## Invoked from: /\n## $ hashdeep -r .\n##\n"
deep += b"".join(b"%d,%s,%s,%s\n" % (len(d), hashlib.md5(d).hexdigest().encode(), hashlib.sha256(d).hexdigest().encode(), n)
                 for n, d in files)
put("hashset_import", "hashdeep.txt", b"\x00" + deep)
rds2 = b'"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\r\n'
rds2 += b"".join(b'"%s","%s","%08X","%s",%d,1,"358",""\r\n' % (hashlib.sha1(d).hexdigest().upper().encode(),
                 hashlib.md5(d).hexdigest().upper().encode(), zlib.crc32(d), n.replace(b'"', b'""'), len(d)) for n, d in files)
put("hashset_import", "NSRLFile.txt", b"\x02" + rds2)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "rds3.db")
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size = 512")
    db.execute("CREATE TABLE FILE (sha256 TEXT, sha1 TEXT, md5 TEXT, crc32 TEXT, file_name TEXT, file_size INTEGER, package_id INTEGER)")
    db.executemany("INSERT INTO FILE VALUES (?, ?, ?, ?, ?, ?, 1)",
                   [(hashlib.sha256(d).hexdigest().upper(), hashlib.sha1(d).hexdigest().upper(), hashlib.md5(d).hexdigest().upper(),
                     "%08X" % zlib.crc32(d), n.decode(), len(d)) for n, d in files])
    db.commit()
    db.execute("VACUUM")
    db.close()
    with open(path, "rb") as f:
        put("hashset_import", "rds3.sqlite", b"\x01" + f.read())


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


# A hash-set store (.ths) as `trawl hashset import` writes it: header, sets, md5/sha1/sha256 tables
# (records sorted by digest, then set), strings.
def hash_set_store(sets, rows):
    strings = b""
    entries = b""
    for name, label in sets:
        entries += struct.pack("<QII", len(strings), len(name), label)
        strings += name
    tables = []
    for size, algorithm in ((16, hashlib.md5), (20, hashlib.sha1), (32, hashlib.sha256)):
        records = []
        for set_index, name, data in rows:
            offset = len(strings)
            strings += name
            records.append((algorithm(data).digest(), set_index, name, offset))
        records.sort(key=lambda r: (r[0], r[1]))
        tables.append((len(records), b"".join(pad8(d + struct.pack("<IIQ", s, len(n), o)) for d, s, n, o in records)))
    body = pad8(entries) + b"".join(pad8(t) for _, t in tables) + pad8(strings)
    total = 72 + len(body)
    header = b"TRAWLHSS" + struct.pack("<II", 1, len(sets)) + struct.pack("<3Q", *(c for c, _ in tables))
    header += struct.pack("<QQ2Q", len(strings), total, 0, 0)
    return header + body


put("hash_set", "two-sets.ths", hash_set_store([(b"nsrl", 0), (b"bad", 1)], [(0, n, d) for n, d in files] + [(1, b"evil", b"alpha\n")]))
put("hash_set", "empty.ths", hash_set_store([(b"none", 2)], []))


# A block-hash database (.tdb) as `trawl hashdb build` writes it (SHA-256, 512-byte blocks).
def block_db(named_files, block_size=512):
    blocks = []  # (digest, file, block, low_entropy)
    entries = []
    strings = b""
    first = 0
    for index, (name, data) in enumerate(sorted(named_files)):
        count = len(data) // block_size
        for b in range(count):
            block = data[b * block_size:(b + 1) * block_size]
            blocks.append((hashlib.sha256(block).digest(), index, b, len(set(block)) == 1))
        entries.append((len(data), first, count, name, len(strings), hashlib.sha256(data).digest()))
        strings += name
        first += count
    order = sorted(range(len(blocks)), key=lambda i: (blocks[i][0], blocks[i][1], blocks[i][2]))
    digests, flags, starts, postings = b"", b"", [], b""
    file_blocks = [0] * len(blocks)
    probative = [0] * len(entries)
    i = 0
    while i < len(order):
        j = i
        starts.append(len(postings) // 8)
        file_set = set()
        while j < len(order) and blocks[order[j]][0] == blocks[order[i]][0]:
            d, f, b, _ = blocks[order[j]]
            postings += struct.pack("<II", f, b)
            file_set.add(f)
            file_blocks[entries[f][1] + b] = len(flags)
            j += 1
        flag = (1 if blocks[order[i]][3] else 0) | (2 if len(file_set) > 8 else 0)
        digests += blocks[order[i]][0]
        flags += bytes([flag])
        i = j
    starts.append(len(blocks))
    for f, (size, first, count, name, offset, digest) in enumerate(entries):
        probative[f] = sum(1 for b in range(count) if flags[file_blocks[first + b]] == 0)
    files_bytes = b"".join(struct.pack("<QQIIQII", size, first, count, probative[f], offset, len(name), 0) + digest
                           for f, (size, first, count, name, offset, digest) in enumerate(entries))
    body = pad8(digests) + pad8(flags) + pad8(struct.pack("<%dQ" % len(starts), *starts)) + pad8(postings) + pad8(files_bytes)
    body += pad8(struct.pack("<%dI" % len(file_blocks), *file_blocks)) + pad8(strings)
    total = 104 + len(body)
    header = b"TRAWLKDB" + struct.pack("<IIII", 1, 3, block_size, 32)
    header += struct.pack("<QQQQ", len(flags), len(blocks), len(entries), len(strings))
    header += struct.pack("<IIQ4Q", 8, 3000, total, 0, 0, 0, 0)
    return header + body


noise = bytes((i * 7919 + (i >> 3) * 31) & 0xFF for i in range(2048))
put("block_db", "two-files.tdb", block_db([(b"known/a.bin", noise), (b"known/b.bin", noise[512:1536] + b"\0" * 1024 + b"tail")]))

# E01 images of a few KiB (ewfacquire, ewf-tools): deflate with MD5 and SHA-1, uncompressed
# EnCase 5, empty-block compression in the linen6 format.
if shutil.which("ewfacquire"):
    media = noise + b"hello world " * 171 + b"\0" * 1024  # 5 KiB
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "media"), "wb") as f:
            f.write(media[:5120])
        for name, options in (("deflate", ["-c", "deflate:best", "-d", "sha1", "-f", "encase6"]),
                              ("plain", ["-c", "none", "-f", "encase5"]),
                              ("linen", ["-c", "empty-block", "-f", "linen6"])):
            subprocess.run(["ewfacquire", "-u", "-q", "-t", os.path.join(tmp, name), "-b", "16", "-C", "case-1", "-D", "seed",
                            "-e", "fuzz", "-E", "ev-1", "-N", "notes", *options, os.path.join(tmp, "media")],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(os.path.join(tmp, name + ".E01"), "rb") as f:
                put("ewf", name + ".E01", f.read())
else:
    print("make_host_seeds: ewfacquire (ewf-tools) not found, E01 seeds left as they are", file=sys.stderr)


# File systems: a 64 KiB FAT12 (a folder, files, a deleted one), the same behind an MBR, and a
# 64 KiB ext2 (files, a folder, an empty file). Trailing zeros are cut off: the target pads
# the image with zeros to a multiple of 4 KiB.
def trimmed(data):
    data = data.rstrip(b"\0")
    return data + b"\0" * (-len(data) % 512)


def run(*args, **kwargs):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


if all(shutil.which(t) for t in ("mkfs.fat", "mcopy", "mke2fs")):
    with tempfile.TemporaryDirectory() as tmp:
        fat = os.path.join(tmp, "fat12")
        run("mkfs.fat", "-C", "-i", "12345678", "-n", "SEED", fat, "64")
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1", TZ="UTC", SOURCE_DATE_EPOCH="1700000000")
        for name, data in (("a.txt", b"alpha\n" * 20), ("gone.txt", b"deleted " * 200), ("b.bin", noise)):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
            os.utime(os.path.join(tmp, name), (1700000000, 1700000000))
        run("mmd", "-i", fat, "::/dir", env=env)
        run("mcopy", "-i", fat, "-m", os.path.join(tmp, "a.txt"), "::/dir/a.txt", env=env)
        run("mcopy", "-i", fat, "-m", os.path.join(tmp, "gone.txt"), "::/gone.txt", env=env)
        run("mcopy", "-i", fat, "-m", os.path.join(tmp, "b.bin"), "::/b.bin", env=env)
        run("mdel", "-i", fat, "::/gone.txt", env=env)
        with open(fat, "rb") as f:
            fat_bytes = f.read()
        put("filesystem", "fat12.bin", trimmed(fat_bytes))
        mbr = bytearray(512)
        mbr[446:462] = struct.pack("<B3sB3sII", 0x80, b"\0\2\0", 0x01, b"\0\0\0", 1, len(fat_bytes) // 512)
        mbr[510:512] = b"\x55\xaa"
        put("filesystem", "mbr-fat12.bin", trimmed(bytes(mbr) + fat_bytes))
        tree = os.path.join(tmp, "tree")
        os.makedirs(os.path.join(tree, "sub"))
        for name, data in (("a.txt", b"alpha\n" * 20), ("sub/b.bin", noise * 2), ("empty", b"")):
            with open(os.path.join(tree, name), "wb") as f:
                f.write(data)
        for folder, _, names in os.walk(tree):
            for name in names + [""]:
                os.utime(os.path.join(folder, name), (1700000000, 1700000000))
        ext2 = os.path.join(tmp, "ext2")
        with open(ext2, "wb") as f:
            f.truncate(64 * 1024)
        run("mke2fs", "-q", "-t", "ext2", "-b", "1024", "-N", "16", "-m", "0", "-U", "0b5e0b5e-0000-4000-8000-000000000001",
            "-E", "hash_seed=0b5e0b5e-0000-4000-8000-000000000002", "-d", tree, ext2,
            env=dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000"))
        with open(ext2, "rb") as f:
            put("filesystem", "ext2.bin", trimmed(f.read()))
else:
    print("make_host_seeds: mkfs.fat, mtools or mke2fs not found, file-system seeds left as they are", file=sys.stderr)
