#include <string>

#include "host/backend/backend.hpp"
#include "host/backend/cuda/cuda_backend.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

BackendChoice select_backend(BackendKind kind, unsigned threads) {
  if (kind == BackendKind::cpu) return {make_cpu_backend(threads), ""};
  if (kind == BackendKind::emulated) return {make_emulated_backend(threads), ""};
  std::string why;
#ifdef TRAWL_HAVE_CUDA
  if (auto cuda = make_cuda_backend(why)) return {std::move(cuda), ""};
#else
  why = "this build has no CUDA backend (configured with TRAWL_CUDA=OFF or without nvcc)";
#endif
  if (kind == BackendKind::cuda) throw Error(ErrorKind::options, "ScanOptions::backend cuda: " + why);
  return {make_cpu_backend(threads), "using the CPU backend: " + why};
}

}  // namespace trawl::detail
