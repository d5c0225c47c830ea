#!/usr/bin/env python3
"""Writes the small seed corpus of the host parsers' fuzz targets (tests/fuzz/corpus/{rule_pack,
inflate,block_file}/). Deterministic; rerun after changing it and commit the files."""
import gzip, io, os, struct, sys, zipfile, zlib

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
