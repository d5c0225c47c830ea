#!/usr/bin/env python3
"""Regenerates the fuzz seed corpus tests/fuzz/corpus/<format>/: one or two tiny valid files per
carver (a few hundred bytes each), made with Debian tools where one exists (netpbm, webp, gzip,
p7zip, python3's sqlite3/zipfile/wave) and built to the specification otherwise. The seeds are
committed; run this only to change them. The fuzz targets put each carver's signature in front of
the fuzzer's bytes, so every seed is stored without its signature."""
import io, os, shutil, sqlite3, struct, subprocess, sys, tempfile, wave, zipfile, zlib

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")
tmp = tempfile.mkdtemp()

SIGS = {  # carver: signature bytes and offset, as in carvers/*.cpp
    "jpeg": (b"\xff\xd8\xff", 0), "png": (b"\x89PNG\r\n\x1a\n", 0), "gif": (b"GIF87a", 0), "bmp": (b"BM", 0),
    "tiff": (b"II*\0", 0), "riff": (b"RIFF", 0), "pdf": (b"%PDF-", 0), "zip": (b"PK\x03\x04", 0),
    "gzip": (b"\x1f\x8b\x08", 0), "sqlite": (b"SQLite format 3\0", 0), "sqlite_wal": (b"\x37\x7f\x06\x82\x00\x2d\xe2\x18", 0),
    "sqlite_journal": (b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7", 0), "isobmff": (b"ftyp", 4), "7z": (b"7z\xbc\xaf\x27\x1c", 0),
    "rar": (b"Rar!\x1a\x07", 0), "pe": (b"MZ", 0), "elf": (b"\x7fELF", 0),
}


def sh(cmd):
    return subprocess.run(cmd, shell=True, check=True, stdout=subprocess.PIPE).stdout


def save(fmt, name, data, sig_index=0):
    sig, off = SIGS[fmt]
    # The fuzz target rebuilds: data[:off] + signature + rest. First byte picks the signature.
    assert data[off:off + len(sig)] == sig or fmt in ("gif", "tiff", "sqlite_wal"), (fmt, name)
    rest = data[:off] + data[off + len(sig):]
    d = os.path.join(corpus, fmt)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(rest)


ppm = os.path.join(tmp, "tiny.ppm")
sh("ppmmake rgb:20/80/c0 12 8 > " + ppm)
save("jpeg", "tiny.jpg", sh("pnmtojpeg " + ppm))
save("png", "tiny.png", sh("pnmtopng " + ppm))
gif = sh("pamtogif " + ppm)
save("gif", "tiny.gif", gif[:6].replace(b"GIF89a", b"GIF87a") + gif[6:] if gif.startswith(b"GIF87a") else gif)
save("bmp", "tiny.bmp", sh("ppmtobmp " + ppm))
tiff = sh("pamtotiff " + ppm)
save("tiff", "tiny.tif", tiff)
sh("pnmtopng %s > %s/tiny.png" % (ppm, tmp))
sh("cwebp -quiet %s/tiny.png -o %s/tiny.webp" % (tmp, tmp))
save("riff", "tiny.webp", open(tmp + "/tiny.webp", "rb").read())
b = io.BytesIO()
with wave.open(b, "wb") as w:
    w.setnchannels(1), w.setsampwidth(1), w.setframerate(8000), w.writeframes(bytes(range(0, 256, 8)))
save("riff", "tiny.wav", b.getvalue())

body = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
xref = len(body)
body += b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
save("pdf", "tiny.pdf", body)

b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    i = zipfile.ZipInfo("mimetype", date_time=(2020, 1, 1, 0, 0, 0))
    z.writestr(i, "application/vnd.oasis.opendocument.text")
    i = zipfile.ZipInfo("content.xml", date_time=(2020, 1, 1, 0, 0, 0))
    i.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(i, "<office:document-content/>" * 4)
save("zip", "tiny.odt", b.getvalue())
save("gzip", "tiny.gz", sh("printf 'hello, gzip\\n%.0s' 1 2 3 | gzip -9 -n"))

db = os.path.join(tmp, "t.sqlite")
con = sqlite3.connect(db, isolation_level=None)
con.execute("pragma page_size=512")
con.execute("pragma journal_mode=wal")
con.execute("pragma wal_autocheckpoint=0")
con.execute("create table t(a)")
con.execute("insert into t values('x')")
save("sqlite_wal", "tiny.sqlite-wal", open(db + "-wal", "rb").read()[:32 + 2 * (24 + 512)])
con.execute("pragma wal_checkpoint(truncate)")
con.close()
save("sqlite", "tiny.sqlite", open(db, "rb").read())
# A rollback journal: header (padded to a 512-byte sector) and one record with its checksum.
nonce, page = 0x1234567, bytes(range(256)) * 2
cks = nonce
i = 512 - 200
while i > 0:
    cks = (cks + page[i]) & 0xFFFFFFFF
    i -= 200
hdr = SIGS["sqlite_journal"][0] + struct.pack(">IIIII", 1, nonce, 2, 512, 512)
save("sqlite_journal", "tiny.sqlite-journal", hdr.ljust(512, b"\0") + struct.pack(">I", 1) + page + struct.pack(">I", cks))


def box(t, payload):
    return struct.pack(">I", 8 + len(payload)) + t + payload


mdat = box(b"mdat", b"\0" * 16)
ftyp = box(b"ftyp", b"isom\0\0\2\0isomiso2mp41")
stco = box(b"stco", struct.pack(">II", 0, 1) + struct.pack(">I", len(ftyp) + 8))
moov = box(b"moov", box(b"trak", box(b"mdia", box(b"minf", box(b"stbl", stco)))))
save("isobmff", "tiny.mp4", ftyp + mdat + moov)

with open(tmp + "/a.txt", "w") as f:
    f.write("seed\n")
sh("cd %s && 7z a -bd -bso0 a.7z a.txt" % tmp)
save("7z", "tiny.7z", open(tmp + "/a.7z", "rb").read())


def rar4():
    def block(h):
        return struct.pack("<H", zlib.crc32(h) & 0xFFFF) + h
    data = b"seed\n"
    out = b"Rar!\x1a\x07\x00" + block(struct.pack("<BHH", 0x73, 0, 13) + b"\0" * 6)
    fh = struct.pack("<BHHIIBIIBBHI", 0x74, 0x8000, 37, len(data), len(data), 2, zlib.crc32(data), 0x50210000, 29, 0x30, 5, 0x20)
    out += block(fh + b"a.txt") + data + block(struct.pack("<BHH", 0x7B, 0x4000, 7))
    return out


save("rar", "tiny4.rar", rar4())


def pe():
    b = bytearray(0x400)
    b[0:2] = b"MZ"
    struct.pack_into("<I", b, 0x3C, 0x80)
    b[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", b, 0x84, 0x8664, 1, 0, 0, 0, 240, 0x22)
    opt = 0x98
    struct.pack_into("<H", b, opt, 0x20B)
    struct.pack_into("<II", b, opt + 32, 0x1000, 0x200)
    struct.pack_into("<II", b, opt + 56, 0x2000, 0x200)
    struct.pack_into("<I", b, opt + 108, 16)
    s = opt + 240
    b[s:s + 5] = b".text"
    struct.pack_into("<IIII", b, s + 8, 0x200, 0x1000, 0x200, 0x200)
    return bytes(b)


save("pe", "tiny.exe", pe())


def elf():
    # ELF64 little-endian executable: header, one PT_LOAD, and three sections (null, .text, .shstrtab).
    names = b"\0.text\0.shstrtab\0"
    text = b"\xc3" * 16
    ph_off, text_off = 64, 64 + 56
    names_off = text_off + len(text)
    sh_off = (names_off + len(names) + 7) // 8 * 8
    h = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    h += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x401000, ph_off, sh_off, 0, 64, 56, 1, 64, 3, 2)
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, names_off, names_off, 0x1000)
    body = (h + ph + text + names).ljust(sh_off, b"\0")
    sh = b"\0" * 64
    sh += struct.pack("<IIQQQQIIQQ", 1, 1, 6, 0x400000 + text_off, text_off, len(text), 0, 0, 16, 0)
    sh += struct.pack("<IIQQQQIIQQ", 7, 3, 0, 0, names_off, len(names), 0, 0, 1, 0)
    return body + sh


save("elf", "tiny.elf", elf())
shutil.rmtree(tmp)
total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(corpus) for f in fs)
print("seeds: %d bytes in %s" % (total, corpus))
