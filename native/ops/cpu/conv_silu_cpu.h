// Tensor-level entry points of the CPU depthwise-conv1d + SiLU kernels: allocation, threading over
// at::parallel_for, and the instruction-set variant (the one the selective scan uses).
#pragma once

#include <ATen/core/Tensor.h>

namespace merba::ops::cpu {

// x: (N, L, C) contiguous, weight_t: (k, C) contiguous, same dtype (float32 or float64), CPU.
at::Tensor conv_silu_forward(const at::Tensor& x, const at::Tensor& weight_t);

struct ConvSiluGradients {
  at::Tensor gx;        // (N, L, C)
  at::Tensor gweight_t;  // (k, C)
};
ConvSiluGradients conv_silu_backward(const at::Tensor& x, const at::Tensor& weight_t, const at::Tensor& grad_y);

}  // namespace merba::ops::cpu
