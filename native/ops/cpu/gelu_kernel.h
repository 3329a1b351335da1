// Interface between the GELU operator and its CPU kernel (raw pointers, one translation unit per
// instruction set, like the scan's kernels). No ATen here.
#pragma once

#include <cstdint>

namespace merba::ops::cpu {

// d[i] = GELU'(x[i]) = Φ(x) + x·φ(x), given y[i] = GELU(x[i]) = x·Φ(x): Φ(x) is read back as y/x (0.5 + x·φ(0)
// near 0), so no erf is evaluated a second time and only one exp is.
template <typename T>
struct GeluKernels {
  void (*derivative)(const T* x, const T* y, T* d, std::int64_t begin, std::int64_t end);
};

#define MERBA_DECLARE_GELU_KERNELS(ns)              \
  namespace ns {                                    \
  const GeluKernels<float>& gelu_kernels_float();   \
  const GeluKernels<double>& gelu_kernels_double(); \
  }

MERBA_DECLARE_GELU_KERNELS(isa_default)
MERBA_DECLARE_GELU_KERNELS(isa_avx2)
#undef MERBA_DECLARE_GELU_KERNELS

}  // namespace merba::ops::cpu
