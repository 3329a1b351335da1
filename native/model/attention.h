#pragma once

#include "model/nn.h"

namespace merba::model {

// Multi-head self-attention over (B, T, C): qkv Linear(C → 3C, bias) → softmax(q·kᵀ/sqrt(C/heads))·v →
// proj Linear(C → C, bias).
class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int64_t channels, int64_t heads);
  at::Tensor forward(const at::Tensor& x);

 private:
  int64_t heads_;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(Attention);

}  // namespace merba::model
