// Tensor-level entry points of the CPU selective-scan kernels: allocation, threading over
// at::parallel_for, and the choice of instruction-set variant.
#pragma once

#include <ATen/core/Tensor.h>

#include "ops/cpu/cpu_capability.h"
#include "ops/cpu/scan_kernel.h"

namespace merba::ops::cpu {

// Inputs already validated and converted to the compute dtype (float32 or float64). B and C are (B, L, N)
// contiguous, A is (D, N) contiguous; u, delta and z have unit stride along L. Optional tensors may be
// undefined.
struct ScanTensors {
  at::Tensor u, delta, A, B, C, D, z, delta_bias;
  bool delta_softplus = false;
};

struct ScanForwardResult {
  at::Tensor out;         // (B, D, L), compute dtype
  at::Tensor last_state;  // (B, D, N), undefined unless requested
};

// Gradients in the compute dtype; dB and dC are (B, L, N) like the inputs they belong to. Gradients of
// absent optional inputs are undefined.
struct ScanGradients {
  at::Tensor du, ddelta, dA, dB, dC, dD, dz, ddelta_bias;
};

ScanForwardResult scan_forward(const ScanTensors& in, bool return_last_state);
ScanGradients scan_backward(const ScanTensors& in, const at::Tensor& grad_out);

}  // namespace merba::ops::cpu
