# Builds without CUDA (TRAWL_CUDA=OFF or no nvcc; included from host/CMakeLists.txt): the device
# probes that `trawl bench` calls answer "no device", and the sysfs readers are still built.
target_sources(trawl_lib PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../device_info_none.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../pcie_link.cpp)
