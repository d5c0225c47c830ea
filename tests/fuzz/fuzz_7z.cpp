// libFuzzer target: the 7z carver on arbitrary bytes (scripts/fuzz.sh).
#include "fuzz_carver.hpp"

TRAWL_FUZZ_CARVER("7z")
