#pragma once

#include <ATen/core/Tensor.h>

namespace merba::model {

// Stochastic depth: in training, zeroes whole samples (dim 0) of a residual branch with probability p
// and scales the rest by 1/(1−p); the identity in eval or for p = 0.
at::Tensor drop_path(const at::Tensor& x, double p, bool training);

}  // namespace merba::model
