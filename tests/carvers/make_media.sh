#!/bin/sh
# Makes the media samples of the carver tests in $1 with ffmpeg from its own test signals
# (sine, seeded noise, the test pattern), bit-exact so that every run makes the same bytes.
# Two seconds each: a few KiB to a quarter MiB. AMR has no encoder in Debian's ffmpeg; the tests
# write those streams themselves (samples.hpp).
# Made once per build tree: into a fresh folder renamed to $1 when complete, so test processes
# that run side by side never see half a set (a loser of the race drops its own copy). A change
# to this list renames the folder (tests/carvers/CMakeLists.txt) so that it is made again.
set -eu
[ -d "$1" ] && exit 0
tmp="$1.tmp.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
f() { ffmpeg -hide_banner -loglevel error -nostdin -y -fflags +bitexact -flags +bitexact "$@"; }
sine="sine=frequency=440:duration=2"
noise="anoisesrc=d=2:c=pink:r=22050:a=0.3:seed=5"
video="testsrc=size=160x120:rate=25:duration=2"
f -f lavfi -i "$sine:sample_rate=48000" -c:a libopus -b:a 24k voice.opus
f -f lavfi -i "$noise" -c:a libvorbis -q:a 2 vorbis.ogg
f -f lavfi -i "$sine" -c:a flac -f ogg flac.oga
f -f lavfi -i "$video" -c:v libtheora -q:v 2 theora.ogv
f -f lavfi -i "$sine" -c:a libmp3lame -b:a 128k id3.mp3
f -f lavfi -i "$noise" -c:a libmp3lame -q:a 4 -id3v2_version 0 -write_xing 0 bare.mp3
f -f lavfi -i "$sine" -c:a libmp3lame -ar 8000 -b:a 16k -id3v2_version 3 low.mp3
f -f lavfi -i "$sine" -c:a aac -b:a 64k -f adts lc.aac
f -f lavfi -i "$noise" -c:a aac -b:a 32k -ac 2 -f adts stereo.aac
f -f lavfi -i "anoisesrc=d=2:c=white:r=44100:a=0.2:seed=3" -c:a flac noise.flac
f -f lavfi -i "$sine" -c:a flac -sample_fmt s16 sine.flac
# Its last frame's CRC-16 comes to zero by chance 4 KiB before the frame's end (a walk that took
# the first zero for the end cut the file short).
f -f lavfi -i "anoisesrc=d=1:c=pink:r=48000:a=0.2:seed=20" -c:a flac chance-zero.flac
f -f lavfi -i "$video" -f lavfi -i "$sine" -c:v libvpx -b:v 100k -c:a libopus clip.webm
f -f lavfi -i "$video" -f lavfi -i "$sine" -c:v mpeg1video -c:a mp2 clip.mkv
f -f lavfi -i "$video" -f lavfi -i "$sine" -c:v mpeg1video -c:a mp2 -f mpeg clip.mpg
f -f lavfi -i "$video" -f lavfi -i "$sine" -c:v mpeg2video -c:a mp2 -f vob clip.vob
cd /
mv -T "$tmp" "$1" 2>/dev/null || true
