#pragma once

#include "model/nn.h"

namespace merba::model {

// fc1 (C → hidden, bias) → exact GELU → fc2 (hidden → C, bias).
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t channels, int64_t hidden);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

}  // namespace merba::model
