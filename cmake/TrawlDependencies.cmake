# Host dependencies, all from Debian packages installed by scripts/setup.sh.
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.10 REQUIRED)

# libxxhash ships no CMake config on Debian 12; wrap it in an imported target.
find_path(XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
find_library(XXHASH_LIBRARY xxhash REQUIRED)
if(NOT TARGET trawl_xxhash)
  add_library(trawl_xxhash UNKNOWN IMPORTED GLOBAL)
  set_target_properties(trawl_xxhash PROPERTIES
    IMPORTED_LOCATION "${XXHASH_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${XXHASH_INCLUDE_DIR}")
endif()

# Hyperscan (vectorscan on non-x86: same API, same header) and libphonenumber ship no CMake
# config on Debian 12 either.
find_path(HYPERSCAN_INCLUDE_DIR hs.h PATH_SUFFIXES hs REQUIRED)
find_library(HYPERSCAN_LIBRARY hs REQUIRED)
if(NOT TARGET trawl_hyperscan)
  add_library(trawl_hyperscan UNKNOWN IMPORTED GLOBAL)
  set_target_properties(trawl_hyperscan PROPERTIES
    IMPORTED_LOCATION "${HYPERSCAN_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${HYPERSCAN_INCLUDE_DIR}")
endif()
find_path(PHONENUMBER_INCLUDE_DIR phonenumbers/phonenumberutil.h REQUIRED)
find_library(PHONENUMBER_LIBRARY phonenumber REQUIRED)
if(NOT TARGET trawl_phonenumber)
  add_library(trawl_phonenumber UNKNOWN IMPORTED GLOBAL)
  set_target_properties(trawl_phonenumber PROPERTIES
    IMPORTED_LOCATION "${PHONENUMBER_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${PHONENUMBER_INCLUDE_DIR}")
endif()
find_package(ZLIB REQUIRED)
find_package(SQLite3 REQUIRED)
# libdeflate (whole-buffer inflate, about twice zlib's speed) for the carvers' deflate walks.
find_path(LIBDEFLATE_INCLUDE_DIR libdeflate.h REQUIRED)
find_library(LIBDEFLATE_LIBRARY deflate REQUIRED)
if(NOT TARGET trawl_libdeflate)
  add_library(trawl_libdeflate UNKNOWN IMPORTED GLOBAL)
  set_target_properties(trawl_libdeflate PROPERTIES
    IMPORTED_LOCATION "${LIBDEFLATE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBDEFLATE_INCLUDE_DIR}")
endif()
