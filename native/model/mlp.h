#pragma once

#include "model/nn.h"

namespace merba::model {

// The hidden width of an MLP over `channels` with ratio `mlp_ratio`: round(channels · ratio).
int64_t mlp_hidden(int64_t channels, double mlp_ratio);

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
