# Host dependencies, all from Debian packages installed by scripts/setup.sh.
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(SQLite3 REQUIRED)

# Libraries that ship no CMake config on Debian 12: an imported target named TARGET from the
# library LIBRARY and the folder that holds HEADER (looked for also under SUFFIX).
function(trawl_import_library target header library)
  cmake_parse_arguments(ARG "" "SUFFIX" "" ${ARGN})
  string(TOUPPER "${target}" var)
  find_path(${var}_INCLUDE_DIR ${header} PATH_SUFFIXES ${ARG_SUFFIX} REQUIRED)
  find_library(${var}_LIBRARY ${library} REQUIRED)
  if(NOT TARGET ${target})
    add_library(${target} UNKNOWN IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES
      IMPORTED_LOCATION "${${var}_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${${var}_INCLUDE_DIR}")
  endif()
endfunction()

trawl_import_library(trawl_xxhash xxhash.h xxhash)
# Hyperscan, or vectorscan on non-x86: the same API and header.
trawl_import_library(trawl_hyperscan hs.h hs SUFFIX hs)
trawl_import_library(trawl_phonenumber phonenumbers/phonenumberutil.h phonenumber)
# libdeflate (whole-buffer inflate, about twice zlib's speed) for the carvers' deflate walks.
trawl_import_library(trawl_libdeflate libdeflate.h deflate)
# libewf for Expert Witness (E01) images.
trawl_import_library(trawl_libewf libewf.h ewf)
# The Sleuth Kit (libtsk-dev): volume systems, file systems, block maps.
trawl_import_library(trawl_tsk tsk/libtsk.h tsk)
# libpq (libpq-dev) for shared case databases on a PostgreSQL server.
trawl_import_library(trawl_libpq libpq-fe.h pq SUFFIX postgresql)
