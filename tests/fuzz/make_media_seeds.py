#!/usr/bin/env python3
"""Regenerates the fuzz seeds of the media carvers, tests/fuzz/corpus/{ogg,mp3,amr,adts,flac,
matroska,mpeg_ps}/: tiny valid files (a few KiB) made by ffmpeg from its test signals, or built to
the specification where Debian's ffmpeg has no encoder (AMR) or a bare stream is wanted (MP3
frames without tags). As in make_seeds.py each seed is stored without its signature, and its
first remaining byte picks that signature in the fuzz target (input[0] % signature count): the
MP3 signatures list ID3 fourth so that an ID3v2.3 tag's version byte (3) picks it; an ADTS seed's
third header byte must be a multiple of 4 (the first signature, FF F1). The seeds are committed;
run this only to change them."""
import os, random, shutil, subprocess, tempfile

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")
tmp = tempfile.mkdtemp()

SIGS = {  # carver folder: signatures as in carvers/*.cpp, in order
    "ogg": [b"OggS\0"],
    "mp3": [b"\xff\xfb", b"\xff\xfa", b"\xff\xf3", b"ID3", b"\xff\xf2", b"\xff\xe3", b"\xff\xe2"],
    "amr": [b"#!AMR\n", b"#!AMR-WB\n"],
    "adts": [b"\xff\xf1", b"\xff\xf9", b"\xff\xf0", b"\xff\xf8"],
    "flac": [b"fLaC"], "matroska": [b"\x1a\x45\xdf\xa3"], "mpeg_ps": [b"\x00\x00\x01\xba"],
}


def ffmpeg(name, *args):
    out = os.path.join(tmp, name)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-fflags", "+bitexact",
                    "-flags", "+bitexact", *args, out], check=True)
    return open(out, "rb").read()


def save(fmt, name, data):
    sigs = SIGS[fmt]
    sig = next(s for s in sigs if data.startswith(s))
    rest = data[len(sig):]
    assert sigs[rest[0] % len(sigs)] == sig, (fmt, name, "first byte does not pick the signature")
    d = os.path.join(corpus, fmt)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(rest)


sine = "sine=frequency=440:sample_rate=8000:duration=%s"
save("ogg", "tiny.opus", ffmpeg("t.opus", "-f", "lavfi", "-i", sine % 0.1, "-c:a", "libopus", "-b:a", "6k"))
save("ogg", "tiny.ogg", ffmpeg("t.ogg", "-f", "lavfi", "-i", sine % 0.1, "-c:a", "libvorbis", "-q:a", "0"))
save("mp3", "id3v23.mp3", ffmpeg("t.mp3", "-f", "lavfi", "-i", sine % 0.7, "-c:a", "libmp3lame", "-b:a", "8k",
                                  "-id3v2_version", "3"))
# Nine MPEG-1 frames at 96 kbit/s, 44.1 kHz (313 bytes each; header byte 0x70 picks FF FB).
save("mp3", "bare.mp3", (b"\xff\xfb\x70\x00" + bytes(309)) * 9)
rnd = random.Random(7)
save("amr", "tiny.amr", b"#!AMR\n" + b"".join(b"\x3c" + bytes(rnd.randrange(256) for _ in range(31)) for _ in range(10)) + b"\x7c")
save("adts", "tiny.aac", ffmpeg("t.aac", "-f", "lavfi", "-i", sine % 1.3, "-c:a", "aac", "-b:a", "8k", "-f", "adts"))
save("flac", "tiny.flac", ffmpeg("t.flac", "-f", "lavfi", "-i", sine % 0.05, "-c:a", "flac", "-sample_fmt", "s16"))
video = "testsrc=size=32x32:rate=25:duration=0.2"
save("matroska", "tiny.webm", ffmpeg("t.webm", "-f", "lavfi", "-i", video, "-c:v", "libvpx", "-b:v", "20k"))
save("mpeg_ps", "tiny.mpg", ffmpeg("t.mpg", "-f", "lavfi", "-i", video, "-c:v", "mpeg1video", "-b:v", "20k", "-f", "mpeg"))
shutil.rmtree(tmp)
