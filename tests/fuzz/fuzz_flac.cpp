// libFuzzer target: the flac carver on arbitrary bytes (scripts/fuzz.sh).
#include "fuzz_carver.hpp"

TRAWL_FUZZ_CARVER("flac")
