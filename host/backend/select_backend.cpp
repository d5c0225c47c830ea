#include <string>

#include "host/backend/backend.hpp"
#include "host/backend/cuda/cuda_backend.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

BackendChoice select_backend(std::string_view name, unsigned threads) {
  if (name == "cpu") return {make_cpu_backend(threads), ""};
  if (name == "emulated") return {make_emulated_backend(threads), ""};
  if (name != "auto" && name != "cuda")
    throw Error(ExitCode::usage, "unknown backend '" + std::string(name) + "' (choose auto, cpu, cuda or emulated)");
  std::string why;
#ifdef TRAWL_HAVE_CUDA
  if (auto cuda = make_cuda_backend(why)) return {std::move(cuda), ""};
#else
  why = "this build has no CUDA backend (configured with TRAWL_CUDA=OFF or without nvcc)";
#endif
  if (name == "cuda") throw Error(ExitCode::usage, "--backend cuda: " + why);
  return {make_cpu_backend(threads), "using the CPU backend: " + why};
}

}  // namespace trawl::detail
