#include "model/mlp.h"

#include <cmath>

#include <ATen/ATen.h>

#include "ops/gelu.h"

namespace merba::model {

int64_t mlp_hidden(int64_t channels, double mlp_ratio) {
  return static_cast<int64_t>(std::llround(static_cast<double>(channels) * mlp_ratio));
}

MlpImpl::MlpImpl(int64_t channels, int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(channels, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, channels));
}

at::Tensor MlpImpl::forward(const at::Tensor& x) { return fc2(ops::gelu(fc1(x))); }

}  // namespace merba::model
