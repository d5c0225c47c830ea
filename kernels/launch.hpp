// The one kernel pattern of the project: a per-item functor run over the index range [0, n).
//
// Every kernel is written as a small trivially copyable functor whose `TRAWL_HD void
// operator()(uint64_t i) const` does all the work for item i. It is then run either
//   - on the host by emulated_launch(n, f): a plain loop, used by the CPU backend and the tests; or
//   - on the device by launch_on(stream, n, f, blocks, threads): grid_stride_kernel, CUDA only.
//
// Invariant: both paths call the very same operator() once for every i in [0, n), each call on an
// unmodified copy of f and independent of the others (no order, no shared mutable state). That is
// why host tests of emulated_launch vouch for the device results, and why operator() must be const.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/hd.hpp"

#if defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace trawl::kernels {

template <class F>
void emulated_launch(uint64_t n, const F& f) {
  static_assert(std::is_trivially_copyable_v<F>, "kernel functors are passed by value to the device");
  for (uint64_t i = 0; i < n; ++i) f(i);
}

#if defined(__CUDACC__)

// Grid-stride loop: any grid size covers any n, so callers may size the grid for occupancy rather
// than for n. Indices are 64-bit because n may exceed 2^32 items.
template <class F>
__global__ void grid_stride_kernel(uint64_t n, F f) {
  const uint64_t stride = uint64_t{gridDim.x} * blockDim.x;
  for (uint64_t i = uint64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) f(i);
}

// Enqueues f over [0, n) on stream and returns the launch error (cudaSuccess when n == 0, in which
// case nothing is launched). Errors raised while the kernel runs surface at the next synchronizing
// call on the stream, not here.
template <class F>
[[nodiscard]] cudaError_t launch_on(cudaStream_t stream, uint64_t n, const F& f, unsigned blocks,
                                    unsigned threads) {
  static_assert(std::is_trivially_copyable_v<F>, "kernel functors are passed by value to the device");
  if (n == 0) return cudaSuccess;
  grid_stride_kernel<<<blocks, threads, 0, stream>>>(n, f);
  return cudaGetLastError();
}

#endif  // __CUDACC__

}  // namespace trawl::kernels
