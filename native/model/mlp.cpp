#include "model/mlp.h"

#include <ATen/ATen.h>

#include "ops/gelu.h"

namespace merba::model {

MlpImpl::MlpImpl(int64_t channels, int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(channels, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, channels));
}

at::Tensor MlpImpl::forward(const at::Tensor& x) { return fc2(ops::gelu(fc1(x))); }

}  // namespace merba::model
