// Tensor-level entry point of the CPU GELU-derivative kernel: threading over at::parallel_for and the
// instruction-set variant (the one the selective scan uses).
#pragma once

#include <ATen/core/Tensor.h>

namespace merba::ops::cpu {

// GELU'(x) from x and y = GELU(x), both contiguous, same shape and dtype (float32 or float64), CPU.
at::Tensor gelu_derivative(const at::Tensor& x, const at::Tensor& y);

}  // namespace merba::ops::cpu
