#pragma once

#include "model/model_config.h"
#include "model/nn.h"

namespace merba::model {

// conv1 3×3 (C_in→C0/2, stride s1) → bn1 → ReLU → conv2 3×3 (C0/2→C0, stride s2) → bn2 → ReLU.
// Convolutions pad 1 and have no bias; both BatchNorms use eps 1e-4 (spec §2).
class StemImpl : public torch::nn::Module {
 public:
  explicit StemImpl(const ModelConfig& config);
  at::Tensor forward(const at::Tensor& x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
};
TORCH_MODULE(Stem);

}  // namespace merba::model
