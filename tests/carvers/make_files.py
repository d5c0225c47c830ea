#!/usr/bin/env python3
"""Writes the carving tests' inputs into OUTDIR, the same bytes on every machine: nothing is read
from the system's folders, so a test sees the same files wherever it runs (issue 17: tests that
listed /usr/share/doc tested a different thing on each machine).

    make_files.py OUTDIR KIND COUNT [SEED]

KIND:
  png     PNG pictures (gray, RGB, RGBA and palette; IDAT in 8 KiB, 32 KiB or one chunk; tEXt),
          4 KiB .. 2 MiB, of smooth shapes with texture: what a photo or a screenshot compresses like
  ppm     PPM pictures of the same kind, for netpbm's pnmtojpeg (the tests make the JPEGs)
  zip     ZIP archives as programs write them: JAR (manifest, class files), DOCX, ODT (mimetype
          stored first), APK-like; deflated and stored members, fixed dates
  gzip    gzip members of text, tables and binary data, levels 1..9, some with a file name
  pdf     PDF documents (pages of text and drawings, fonts, JPEG and FlateDecode pictures, XMP
          metadata, outlines, links) rewritten by qpdf with classic xref tables, 8 KiB .. 2 MiB
  text    plain text
Files are named KIND-N.EXT. Deterministic for a given SEED (default 1).
"""
import io
import os
import random
import struct
import subprocess
import sys
import zipfile
import zlib

WORDS = (
    "the of and to in is was for on that with as by at from are this be it an which or have has not were "
    "evidence device image sector cluster record table column message contact number address report file "
    "system kernel module driver memory buffer stream offset length header trailer checksum digest block "
    "page margin chunk scanner carver walker verdict valid corrupt truncated fragment gap piece search "
    "examiner laboratory case seizure phone computer archive document picture audio video database"
).split()


def words(rng, n):
    out = []
    for i in range(n):
        w = rng.choice(WORDS)
        if i % 13 == 0:
            w = w.capitalize()
        out.append(w)
        if i % 17 == 16:
            out[-1] += "."
        elif i % 7 == 6:
            out[-1] += ","
    return " ".join(out)


def text_of(rng, size):
    lines = []
    total = 0
    while total < size:
        line = words(rng, rng.randrange(6, 16))
        if rng.random() < 0.1:
            line = "%d\t%.3f\t%s" % (rng.randrange(100000), rng.random() * 1000, rng.choice(WORDS))
        lines.append(line)
        total += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


def forge(rng, width, height):
    """A PPM picture made by netpbm's ppmforge (fractal clouds, planets and night skies: smooth
    areas, edges and texture, compressing like a photograph), deterministic for its seed."""
    mode = rng.choice([[], ["-clouds"], ["-night"], ["-clouds", "-power", "1.4"]])
    args = ["ppmforge", *mode, "-width", str(width), "-height", str(height), "-seed", str(rng.randrange(1, 1 << 30))]
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout


def netpbm(command, data):
    return subprocess.run(command, input=data, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout


def chunks(data):
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        yield kind, data[at + 8:at + 8 + length]
        at += 12 + length


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(rng):
    """pnmtopng's PNG of a forged picture, as RGB, gray or palette, with its IDAT data re-cut
    into 8 KiB (libpng's default), 32 KiB or one chunk, and a tEXt comment."""
    picture = forge(rng, rng.randrange(96, 800), rng.randrange(64, 600))
    kind = rng.randrange(3)
    if kind == 1:
        picture = netpbm(["ppmtopgm"], picture)
    elif kind == 2:
        picture = netpbm(["pnmquant", str(rng.choice([16, 64, 256]))], picture)
    made = netpbm(["pnmtopng", "-compression", str(rng.choice([6, 9]))], picture)
    head, idat = b"", b""
    for kind_, data in chunks(made):
        if kind_ == b"IDAT":
            idat += data
        elif kind_ != b"IEND":
            head += chunk(kind_, data)
    out = b"\x89PNG\r\n\x1a\n" + head + chunk(b"tEXt", b"Comment\0" + words(rng, 12).encode())
    step = rng.choice([8192, 32768, len(idat)])
    for i in range(0, len(idat), step):
        out += chunk(b"IDAT", idat[i:i + step])
    return out + chunk(b"IEND", b"")


def ppm(rng):
    return forge(rng, rng.randrange(160, 1000), rng.randrange(120, 760))


FIXED = (1980, 1, 1, 0, 0, 0)


def member(z, name, data, compress=True):
    info = zipfile.ZipInfo(name, FIXED)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


def zip_archive(rng, n):
    buf = io.BytesIO()
    kind = n % 4
    with zipfile.ZipFile(buf, "w") as z:
        if kind == 0:  # JAR
            member(z, "META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nCreated-By: trawl tests\r\n\r\n")
            for i in range(rng.randrange(8, 60)):
                body = b"\xca\xfe\xba\xbe\x00\x00\x00\x37" + text_of(rng, rng.randrange(400, 6000))
                body += rng.randbytes(rng.randrange(64, 1024))
                member(z, "org/trawl/test/C%d.class" % i, body)
        elif kind == 1:  # DOCX
            member(z, "[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
            member(z, "_rels/.rels", b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="word/document.xml"/></Relationships>')
            paragraphs = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % words(rng, rng.randrange(20, 120)) for _ in range(rng.randrange(20, 400)))
            member(z, "word/document.xml", ('<?xml version="1.0"?><w:document><w:body>%s</w:body></w:document>' % paragraphs).encode())
            member(z, "word/styles.xml", text_of(rng, 6000))
            member(z, "docProps/core.xml", b"<cp:coreProperties><dc:title>test</dc:title></cp:coreProperties>")
            if rng.random() < 0.5:
                member(z, "word/media/image1.png", png(rng), compress=False)
        elif kind == 2:  # ODT
            member(z, "mimetype", b"application/vnd.oasis.opendocument.text", compress=False)
            member(z, "META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>')
            paragraphs = "".join("<text:p>%s</text:p>" % words(rng, rng.randrange(20, 120)) for _ in range(rng.randrange(20, 400)))
            member(z, "content.xml", ('<?xml version="1.0"?><office:document-content><office:body>%s</office:body></office:document-content>' % paragraphs).encode())
            member(z, "styles.xml", text_of(rng, 8000))
            member(z, "meta.xml", b"<office:document-meta/>")
        else:  # an archive of mixed files
            for i in range(rng.randrange(3, 20)):
                if rng.random() < 0.3:
                    member(z, "data/t%d.txt" % i, text_of(rng, rng.randrange(1000, 60000)))
                else:
                    member(z, "data/b%d.bin" % i, rng.randbytes(rng.randrange(500, 20000)), compress=rng.random() < 0.5)
    return buf.getvalue()


def gzip_member(rng, n):
    # Mostly small members, as most .gz files are (changelogs, man pages: output within deflate's
    # 32 KiB window); every third a large one. A split deep in a large text stream is rarely found:
    # garbage decodes there with the stream's own tables (docs/carving.md).
    size = rng.randrange(200000, 400000) if n % 3 == 2 else rng.randrange(6000, 40000)
    kind = n % 3
    if kind == 0:
        data = text_of(rng, size)
    elif kind == 1:
        data = b"".join(b"%08d,%s,%.4f\n" % (i, rng.choice(WORDS).encode(), rng.random()) for i in range(size // 24))
    else:
        data = b"".join(rng.randbytes(64) + text_of(rng, 200) for _ in range(size // 260))
    level = rng.choice([6, 9])  # gzip's default and -9
    name = ("file%d.dat" % n).encode() if n % 2 else b""
    flags = 0x08 if name else 0
    header = b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0" + bytes([2 if level == 9 else 4 if level == 1 else 0]) + b"\x03" + (name + b"\0" if name else b"")
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return header + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)


def pdf(rng, n, workdir):
    """A PDF as document programs write them, rewritten by qpdf with a classic xref table: pages
    whose content streams (FlateDecode) hold text and drawings, the base fonts and sometimes an
    embedded font program, JPEG pictures (DCTDecode: bytes no filter checks), pictures as
    FlateDecode pixels, an XMP metadata stream, outlines and link annotations."""
    objects = {}

    def add(body):
        objects[len(objects) + 1] = body
        return len(objects)

    def stream(dictionary, data, flate=True):
        if flate:
            data = zlib.compress(data, rng.choice([6, 9]))
            dictionary += b" /Filter /FlateDecode"
        return b"<< %s /Length %d >>\nstream\n" % (dictionary, len(data)) + data + b"\nendstream"

    fonts = [add(b"<< /Type /Font /Subtype /Type1 /BaseFont /%s >>" % f) for f in (b"Helvetica", b"Times-Roman", b"Courier")]
    if rng.random() < 0.5:
        program = add(stream(b"/Length1 %d" % 0, rng.randbytes(rng.randrange(8000, 60000)) + text_of(rng, 4000)))
        descriptor = add(b"<< /Type /FontDescriptor /FontName /TrawlSans /Flags 32 /FontBBox [0 -200 1000 900] /ItalicAngle 0 "
                         b"/Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 %d 0 R >>" % program)
        fonts.append(add(b"<< /Type /Font /Subtype /TrueType /BaseFont /TrawlSans /FirstChar 32 /LastChar 126 "
                         b"/FontDescriptor %d 0 R >>" % descriptor))
    images = []
    for _ in range(rng.randrange(0, 4)):
        w, h = rng.randrange(64, 640), rng.randrange(64, 480)
        picture = forge(rng, w, h)
        if rng.random() < 0.6:
            jpeg = netpbm(["pnmtojpeg", "-quality", str(rng.randrange(60, 95))], picture)
            images.append(add(stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                                     b"/BitsPerComponent 8 /Filter /DCTDecode" % (w, h), jpeg, flate=False)))
        else:
            pixels = picture[picture.index(b"255\n") + 4:]
            images.append(add(stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                                     b"/BitsPerComponent 8" % (w, h), pixels)))
    pages_id = len(objects) + 1
    add(b"")  # the page tree, filled in below
    kids = []
    for p in range(rng.randrange(1, 30)):
        ops = [b"BT /F%d %d Tf 14 TL 56 780 Td" % (rng.randrange(len(fonts)), rng.randrange(8, 14))]
        for _ in range(rng.randrange(10, 50)):
            line = words(rng, rng.randrange(6, 14)).replace("(", "").replace(")", "")
            ops.append(b"(%s) Tj T*" % line.encode())
        ops.append(b"ET")
        for _ in range(rng.randrange(0, 40)):
            x, y = rng.uniform(30, 560), rng.uniform(30, 800)
            ops.append(b"%.3f %.3f m %.3f %.3f l S" % (x, y, x + rng.uniform(-200, 200), y + rng.uniform(-200, 200)))
        resources = b"/Font << %s >>" % b" ".join(b"/F%d %d 0 R" % (i, f) for i, f in enumerate(fonts))
        if images and rng.random() < 0.5:
            i = rng.randrange(len(images))
            ops.append(b"q 200 0 0 150 %d %d cm /Im%d Do Q" % (rng.randrange(50, 350), rng.randrange(50, 600), i))
            resources += b" /XObject << /Im%d %d 0 R >>" % (i, images[i])
        content = add(stream(b"", b"\n".join(ops)))
        annots = b""
        if rng.random() < 0.3:
            link = add(b"<< /Type /Annot /Subtype /Link /Rect [56 700 300 720] /Border [0 0 0] "
                       b"/A << /S /URI /URI (https://example.org/%d) >> >>" % rng.randrange(10000))
            annots = b" /Annots [%d 0 R]" % link
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << %s >> /Contents %d 0 R%s >>"
                        % (pages_id, resources, content, annots)))
    objects[pages_id] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    xmp = b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">%s</x:xmpmeta><?xpacket end="w"?>'
    metadata = add(stream(b"/Type /Metadata /Subtype /XML", xmp % words(rng, 40).encode(), flate=False))
    outline = b""
    if len(kids) > 2:
        outlines_id = len(objects) + 1
        add(b"")
        items = [add(b"<< /Title (Part %d) /Parent %d 0 R /Dest [%d 0 R /Fit] >>" % (i, outlines_id, k)) for i, k in enumerate(kids[:5])]
        objects[outlines_id] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (items[0], items[-1], len(items))
        outline = b" /Outlines %d 0 R" % outlines_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R /Metadata %d 0 R%s >>" % (pages_id, metadata, outline))
    info = add(b"<< /Producer (trawl make_files.py) /Title (%s) /CreationDate (D:20240101000000Z) >>" % words(rng, 4).encode())
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(body)
        body += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offsets[k] for k in sorted(objects))
    body += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, info, xref)
    raw = os.path.join(workdir, "raw-%d.pdf" % n)
    done = os.path.join(workdir, "qpdf-%d.pdf" % n)
    with open(raw, "wb") as f:
        f.write(body)
    # qpdf lays the objects out as it writes every document (classic xref, no object streams);
    # --deterministic-id keeps the /ID the same on every run.
    subprocess.run(["qpdf", "--object-streams=disable", "--deterministic-id", raw, done], check=True, stderr=subprocess.DEVNULL)
    with open(done, "rb") as f:
        data = f.read()
    os.remove(raw)
    os.remove(done)
    return data


def main():
    out, kind, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    os.makedirs(out, exist_ok=True)
    ext = {"png": "png", "ppm": "ppm", "zip": "zip", "gzip": "gz", "pdf": "pdf", "text": "txt"}[kind]
    for n in range(count):
        rng = random.Random(seed * 1000003 + n)
        if kind == "png":
            data = png(rng)
        elif kind == "ppm":
            data = ppm(rng)
        elif kind == "zip":
            data = zip_archive(rng, n)
        elif kind == "gzip":
            data = gzip_member(rng, n)
        elif kind == "pdf":
            data = pdf(rng, n, out)
        else:
            data = text_of(rng, rng.randrange(2000, 20000))
        with open(os.path.join(out, "%s-%d.%s" % (kind, n, ext)), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
