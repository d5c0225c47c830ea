// DeviceInfo probes of a build without CUDA (TRAWL_CUDA=OFF or no nvcc): there is never a device.
#include "host/backend/device_info.hpp"
#include "trawl/trawl.hpp"

namespace trawl::detail {

std::optional<DeviceInfo> cuda_device_info(std::string* why) {
  if (why) *why = "this build has no CUDA backend (configured with TRAWL_CUDA=OFF or without nvcc)";
  return std::nullopt;
}

double cuda_h2d_gbps(std::size_t, unsigned) { throw Error(ErrorKind::internal, "cuda_h2d_gbps: this build has no CUDA backend"); }

std::vector<KernelTiming> cuda_kernel_timings(std::size_t, std::size_t, std::uint32_t, const SignatureSet&) {
  throw Error(ErrorKind::internal, "cuda_kernel_timings: this build has no CUDA backend");
}

}  // namespace trawl::detail
