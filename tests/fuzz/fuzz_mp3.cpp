// libFuzzer target: the mp3 carver on arbitrary bytes (scripts/fuzz.sh).
#include "fuzz_carver.hpp"

TRAWL_FUZZ_CARVER("mp3")
