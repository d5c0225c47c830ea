#pragma once

#include <cstddef>
#include <cstdlib>
#include <functional>
#include <memory>

namespace trawl::detail {

// An owned host buffer. Its release function is the allocator's (free, cudaFreeHost, ...).
using HostBuffer = std::unique_ptr<std::byte, std::function<void(std::byte*)>>;

// Page-aligned ordinary memory; the CUDA backend supplies pinned memory instead.
inline HostBuffer allocate_aligned(std::size_t size) {
  constexpr std::size_t alignment = 4096;
  std::size_t rounded = (size + alignment - 1) / alignment * alignment;
  auto* p = static_cast<std::byte*>(std::aligned_alloc(alignment, rounded ? rounded : alignment));
  if (!p) throw std::bad_alloc();
  return HostBuffer(p, [](std::byte* q) { std::free(q); });
}

}  // namespace trawl::detail
