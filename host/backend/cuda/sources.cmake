# The CUDA backend, added to trawl_lib when TRAWL_HAVE_CUDA (included from host/CMakeLists.txt).
# Only these .cu files hold device code; everything else in trawl_lib is built by the host compiler.
option(TRAWL_PTXAS_VERBOSE "Print registers, shared memory and spills of every CUDA kernel (-Xptxas -v)" OFF)

target_sources(trawl_lib PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cuda_backend.cu
  ${CMAKE_CURRENT_LIST_DIR}/device_info.cu
  ${CMAKE_CURRENT_LIST_DIR}/../pcie_link.cpp)

# Each kernel is defined and launched in one .cu file: whole-program compilation, no device link.
# The runtime is linked statically (and explicitly, so that the linker language does not decide):
# the library then needs only the driver's libcuda.so on the machine that runs it.
set_target_properties(trawl_lib PROPERTIES CUDA_SEPARABLE_COMPILATION OFF CUDA_RUNTIME_LIBRARY None)
target_link_libraries(trawl_lib PRIVATE CUDA::cudart_static)

# The oldest architecture compiled for, so that make_cuda_backend can name a device too old for
# this build ("native"/"all" give 0: the kernel-image probe then decides alone).
string(REGEX MATCHALL "[0-9]+" _trawl_cuda_archs "${CMAKE_CUDA_ARCHITECTURES}")
set(_trawl_cuda_min_arch 0)
foreach(_arch IN LISTS _trawl_cuda_archs)
  if(_trawl_cuda_min_arch EQUAL 0 OR _arch LESS _trawl_cuda_min_arch)
    set(_trawl_cuda_min_arch ${_arch})
  endif()
endforeach()
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cuda_backend.cu PROPERTIES COMPILE_DEFINITIONS
  "TRAWL_CUDA_MIN_ARCH=${_trawl_cuda_min_arch};TRAWL_CUDA_ARCHITECTURES=\"${CMAKE_CUDA_ARCHITECTURES}\"")

# std::span and other constexpr standard-library members used in device code need
# --expt-relaxed-constexpr (see shared/notes/gpu.md); warnings as for the C++ sources.
target_compile_options(trawl_lib PRIVATE
  $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -Xcompiler=-Wall,-Wextra>)
if(TRAWL_PTXAS_VERBOSE)
  target_compile_options(trawl_lib PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-Xptxas=-v>)
endif()
