# The carvers: one file per format plus the byte view and the driver. Compiled into trawl_lib
# (host/CMakeLists.txt) and, with sanitizers, into the fuzz targets (tests/fuzz/).
set(TRAWL_CARVER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/byte_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/carver.cpp
  ${CMAKE_CURRENT_LIST_DIR}/deflate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jpeg.cpp
  ${CMAKE_CURRENT_LIST_DIR}/png.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gif.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bmp.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tiff.cpp
  ${CMAKE_CURRENT_LIST_DIR}/riff.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pdf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/zip.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gzip.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sqlite.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sqlite_layout.cpp
  ${CMAKE_CURRENT_LIST_DIR}/isobmff.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sevenzip.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rar.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/elf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/reassemble.cpp
)
