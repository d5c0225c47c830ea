// The CUDA backend's factory. Plain host header (no CUDA types): select_backend and the tests
// include it; only builds with TRAWL_HAVE_CUDA define the function.
#pragma once

#include <memory>
#include <string>

#include "host/backend/backend.hpp"

namespace trawl::detail {

// The backend on CUDA device 0, or nullptr with a one-line reason in `why` (no driver, no device,
// a device this build has no kernels for, ...). The reason completes "no usable CUDA device ..."
// style sentences: select_backend prefixes it with "ScanOptions::backend cuda: " or "using the CPU backend: ".
std::unique_ptr<Backend> make_cuda_backend(std::string& why);

}  // namespace trawl::detail
