// Interface between the GELU operator and its CPU kernel (raw pointers, one translation unit per
// instruction set, like the scan's kernels). No ATen here.
#pragma once

#include <cstdint>

#include "ops/cpu/cpu_capability.h"

namespace merba::ops::cpu {

// d[i] = GELU'(x[i]) = Φ(x) + x·φ(x), given y[i] = GELU(x[i]) = x·Φ(x): Φ(x) is read back as y/x (0.5 + x·φ(0)
// near 0), so no erf is evaluated a second time and only one exp is.
template <typename T>
struct GeluKernels {
  void (*derivative)(const T* x, const T* y, T* d, std::int64_t begin, std::int64_t end);
};

}  // namespace merba::ops::cpu

MERBA_DECLARE_CPU_KERNEL_TABLES(merba::ops::cpu::GeluKernels, gelu_kernels)
