// Exact (erf) GELU, y = x·Φ(x), with the values of at::gelu. On the CPU (float32/float64) the forward
// also computes GELU'(x) from x and y in one cheap pass and saves it, so the backward is a single
// multiply instead of LibTorch's gelu_backward (which evaluates erf and exp again). Elsewhere it is
// at::gelu. Differentiable once (the saved derivative is a constant to autograd; a backward with
// create_graph is refused there), which is what training needs.
#pragma once

#include <ATen/core/Tensor.h>

namespace merba::ops {

at::Tensor gelu(const at::Tensor& x);

}  // namespace merba::ops
