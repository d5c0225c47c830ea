// What `trawl bench` reports about the GPU, and the host-to-device bandwidth it measures. Plain
// host header: builds with CUDA implement the probes in host/backend/cuda/device_info.cu, builds
// without in host/backend/device_info_none.cpp (no device, ever). The sysfs/procfs readers are
// plain host code shared by both (host/backend/pcie_link.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trawl::detail {

// The PCIe link of a device as Linux reports it. Fields are empty / 0 where sysfs has no answer
// (a VM that hides the link, a device that is not on PCI). GPUs lower their link speed when idle,
// so "current" depends on when it is read: read it right after a transfer.
struct PcieLink {
  std::string current_speed;   // as in sysfs, e.g. "32.0 GT/s PCIe"
  int current_width = 0;       // lanes, e.g. 16
  std::string max_speed;
  int max_width = 0;
  int current_generation = 0;  // 1..6 from the speed; 0 when unknown
  int max_generation = 0;
};

struct DeviceInfo {
  std::string name;            // "NVIDIA H200"
  int compute_major = 0;
  int compute_minor = 0;
  int multiprocessors = 0;
  std::uint64_t memory_bytes = 0;
  std::uint64_t l2_bytes = 0;
  std::string driver_version;       // the kernel module's, e.g. "580.159.04"; empty if not found
  std::string cuda_driver_version;  // CUDA version the driver supports, e.g. "13.0"
  std::string cuda_runtime_version; // CUDA runtime this build links, e.g. "13.0"
  std::string pci_bus_id;           // sysfs form, lowercase: "0000:3b:00.0"
  PcieLink pcie;
};

// Device 0 (the one the CUDA backend uses), or nullopt with the reason in *why when there is
// no usable device or the build has no CUDA.
std::optional<DeviceInfo> cuda_device_info(std::string* why = nullptr);

// Median host-to-device bandwidth in GB/s (1e9 bytes per second) of `repeats` copies of `bytes`
// from pinned memory to device 0, each timed with CUDA events after two untimed warm-up copies.
// Precondition: cuda_device_info() has a value; otherwise throws Error(internal).
double cuda_h2d_gbps(std::size_t bytes, unsigned repeats = 9);

// One kernel timed on data already in device memory (no copy), launched as the CUDA backend
// launches it: one launch per page. gbps = input bytes (pages, not margins) over the median time.
struct KernelTiming {
  std::string name;    // "kernel.blocks.sha256", "kernel.prefilter", ...
  std::string detail;  // what was launched, for a person
  double gbps = 0;     // 10^9 input bytes per second
  double seconds = 0;  // median over the repeats, for all of `bytes`
  std::uint64_t bytes = 0;
};

// Times each kernel of the CUDA backend on `bytes` of random data resident on device 0 in pages
// of `page_size` (rounded down to whole pages, at least one): block hashes of every block
// algorithm at `block_size`, all of them in one pass, the identifier prefilter (4 KiB windows),
// the signature stripes (carving signatures in `signatures`) and the known-block lookup
// (SHA-256 of 4 KiB blocks at every 512 bytes against a table of 2^20 digests). Each after one
// untimed launch, median of 5, CUDA events. Precondition: cuda_device_info() has a value;
// otherwise throws Error(internal).
class SignatureSet;
std::vector<KernelTiming> cuda_kernel_timings(std::size_t bytes, std::size_t page_size, std::uint32_t block_size,
                                              const SignatureSet& signatures);

// Reads current_link_speed/width and max_link_speed/width of a PCI device under `devices`
// (normally /sys/bus/pci/devices). bus_id in any case, 4- or 8-digit domain.
PcieLink read_pcie_link(std::string_view bus_id,
                        const std::filesystem::path& devices = "/sys/bus/pci/devices");

// The PCIe generation of a sysfs link speed: "2.5 GT/s" 1, "5.0" 2, "8.0" 3, "16.0" 4, "32.0" 5,
// "64.0" 6; 0 for anything else ("Unknown", empty).
int pcie_generation(std::string_view speed);

// The bus id in sysfs form: lowercase, 4-digit domain ("00000000:3B:00.0" -> "0000:3b:00.0").
std::string sysfs_bus_id(std::string_view bus_id);

// The NVIDIA kernel module's version from /proc/driver/nvidia/version ("580.159.04"), or "".
std::string nvidia_driver_version(const std::filesystem::path& file = "/proc/driver/nvidia/version");

}  // namespace trawl::detail
