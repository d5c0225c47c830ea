// Host/device portability macros shared by every kernel header.
//
// Kernel headers are compiled twice: by nvcc for the CUDA backend and by the plain host compiler
// for the emulated (CPU) path and the tests. These macros are the only place where the two differ.
#pragma once

#if defined(__CUDACC__)
// Callable from host and device code.
#define TRAWL_HD __host__ __device__
// Hash rounds must be inlined on the device: a real call would pass the state through local memory.
#define TRAWL_HD_INLINE __host__ __device__ __forceinline__
#else
#define TRAWL_HD
#define TRAWL_HD_INLINE inline
#endif

// Full unrolling turns round-constant tables and the rolling message schedule into immediates and
// registers; without it they would live in (slow) local memory. Chosen per compilation pass. The
// host pass of nvcc gets none: its front end rejects `GCC unroll` and gcc warns on `unroll`; host
// code in .cu files is not where hashing time goes (the CPU path is built by the host compiler).
#if defined(__CUDA_ARCH__) || defined(__clang__)
#define TRAWL_UNROLL _Pragma("unroll")
#elif defined(__GNUC__) && !defined(__CUDACC__)
#define TRAWL_UNROLL _Pragma("GCC unroll 128")
#else
#define TRAWL_UNROLL
#endif
