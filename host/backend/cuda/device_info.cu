// DeviceInfo and the host-to-device bandwidth probe of builds with CUDA (see device_info.hpp).
// Host code only, but it calls the CUDA runtime, which only the CUDA part of the build links.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "host/backend/cuda/cuda_check.hpp"
#include "host/backend/cuda/cuda_handles.hpp"
#include "host/backend/device_info.hpp"

namespace trawl::detail {
namespace {

constexpr int kDevice = 0;  // the CUDA backend's device (make_cuda_backend)

std::string cuda_version_text(int version) {  // 13000 -> "13.0"
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

}  // namespace

std::optional<DeviceInfo> cuda_device_info(std::string* why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    (void)cudaGetLastError();
    if (why) *why = status != cudaSuccess ? cudaGetErrorString(status) : "the CUDA runtime found no device";
    return std::nullopt;
  }
  cudaDeviceProp properties{};
  CUDA_TRY(cudaGetDeviceProperties(&properties, kDevice));
  DeviceInfo info;
  info.name = properties.name;
  info.compute_major = properties.major;
  info.compute_minor = properties.minor;
  info.multiprocessors = properties.multiProcessorCount;
  info.memory_bytes = properties.totalGlobalMem;
  info.l2_bytes = static_cast<std::uint64_t>(properties.l2CacheSize);
  int driver = 0, runtime = 0;
  CUDA_TRY(cudaDriverGetVersion(&driver));
  CUDA_TRY(cudaRuntimeGetVersion(&runtime));
  info.cuda_driver_version = cuda_version_text(driver);
  info.cuda_runtime_version = cuda_version_text(runtime);
  info.driver_version = nvidia_driver_version();
  char bus_id[64] = {};
  CUDA_TRY(cudaDeviceGetPCIBusId(bus_id, sizeof bus_id, kDevice));
  info.pci_bus_id = sysfs_bus_id(bus_id);
  info.pcie = read_pcie_link(info.pci_bus_id);
  return info;
}

double cuda_h2d_gbps(std::size_t bytes, unsigned repeats) {
  if (bytes == 0 || repeats == 0) throw Error(ErrorKind::internal, "cuda_h2d_gbps: nothing to copy");
  if (!cuda_device_info()) throw Error(ErrorKind::internal, "cuda_h2d_gbps: no usable CUDA device");
  CUDA_TRY(cudaSetDevice(kDevice));
  cuda::PinnedMemory h_source(bytes);
  cuda::DeviceMemory d_target(bytes);
  // Not zeros: a copy does not care, but nothing here should ever be timed on zeros.
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  for (std::size_t i = 0; i + 8 <= bytes; i += 8) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    std::memcpy(h_source.get() + i, &state, 8);
  }
  cuda::Stream stream;
  const auto copy = [&](cudaStream_t s) {
    CUDA_TRY(cudaMemcpyAsync(d_target.get(), h_source.get(), bytes, cudaMemcpyHostToDevice, s));
  };
  // Warm-up: first-touch costs (page tables, the link leaving its idle low-power speed) stay out.
  copy(stream.get());
  copy(stream.get());
  CUDA_TRY(cudaStreamSynchronize(stream.get()));
  const double median_ms = cuda::median_milliseconds(stream.get(), repeats, copy);
  if (median_ms <= 0) throw Error(ErrorKind::internal, "cuda_h2d_gbps: a copy took no measurable time");
  return static_cast<double>(bytes) / (median_ms * 1e-3) / 1e9;
}

}  // namespace trawl::detail
