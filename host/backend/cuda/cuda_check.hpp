// CUDA_TRY(call): every CUDA runtime call is checked. A failure becomes
// trawl::Error(ErrorKind::internal, "<call> failed: <runtime's text> at <file>:<line>"), so a
// failing call is named in the one-line message the CLI prints. Host code; included by .cu files
// (it needs the runtime's headers, which only the CUDA part of the build sees).
#pragma once

#include <cuda_runtime_api.h>

#include <string>
#include <string_view>

#include "trawl/trawl.hpp"

namespace trawl::detail {

// The file's path from the source root ("host/backend/cuda/cuda_backend.cu"), not the absolute
// path on the build machine, which says nothing to a user and leaks the builder's folders.
inline std::string_view source_relative(std::string_view file) {
  for (std::string_view root : {"/host/", "/kernels/", "/tests/"})
    if (auto at = file.rfind(root); at != std::string_view::npos) return file.substr(at + 1);
  auto slash = file.rfind('/');
  return slash == std::string_view::npos ? file : file.substr(slash + 1);
}

[[noreturn]] inline void throw_cuda_error(cudaError_t error, const char* call, const char* file, int line) {
  // A failed call also leaves its code as the thread's "last error"; clear it (non-sticky errors
  // only) so that the next launch_on(), which reports cudaGetLastError(), does not blame itself.
  (void)cudaGetLastError();
  throw Error(ErrorKind::internal, std::string(call) + " failed: " + cudaGetErrorString(error) + " at " +
                                       std::string(source_relative(file)) + ":" + std::to_string(line));
}

}  // namespace trawl::detail

#define CUDA_TRY(call)                                                                       \
  do {                                                                                       \
    const cudaError_t trawl_cuda_status_ = (call);                                           \
    if (trawl_cuda_status_ != cudaSuccess)                                                   \
      ::trawl::detail::throw_cuda_error(trawl_cuda_status_, #call, __FILE__, __LINE__);     \
  } while (false)
