// Interface between the depthwise-conv1d + SiLU operator (tensors, autograd, threads) and its CPU kernels
// (raw pointers, one translation unit per instruction set, like the scan's kernels). No ATen here.
#pragma once

#include <cstdint>

#include "ops/cpu/cpu_capability.h"

namespace merba::ops::cpu {

// Channels-last operands: x and y are (N, L, C) contiguous; the weights are transposed to (k, C)
// contiguous so that the channel axis is the contiguous, vectorised one everywhere. 'Same' zero padding:
// pre[n, l, c] = Σ_j w[j, c] · x[n, l + j − (k − 1)/2, c] over the j whose position lies inside [0, L).
struct ConvSiluShape {
  std::int64_t len = 0, channels = 0, width = 0;
};

template <typename T>
struct ConvSiluKernels {
  // y = SiLU(pre) for rows n ∈ [begin, end).
  void (*forward_rows)(const ConvSiluShape&, const T* x, const T* w, T* y, std::int64_t begin,
                       std::int64_t end);
  // For rows n ∈ [begin, end): gx (written) and gw (k, C), accumulated into a buffer that only this call
  // writes. pre is recomputed from x rather than saved: it costs k multiply-adds per element.
  void (*backward_rows)(const ConvSiluShape&, const T* x, const T* w, const T* gy, T* gx, T* gw,
                        std::int64_t begin, std::int64_t end);
};

}  // namespace merba::ops::cpu

MERBA_DECLARE_CPU_KERNEL_TABLES(merba::ops::cpu::ConvSiluKernels, conv_silu_kernels)
