#pragma once

#include "model/dual_granularity_head.h"
#include "model/model_config.h"
#include "model/nn.h"
#include "model/stage.h"
#include "model/stem.h"

namespace merba::model {

// MERba (spec §2): stem → stages (each with its downsample but the last) → norm (BatchNorm2d) → global
// average pool (or, with head_grid g > 1, average pooling to g × g cells, flattened) → DGCM head.
// Input (B, C_in, S, S) float32 with S = config.input_size.
class MerbaNetImpl : public torch::nn::Module {
 public:
  explicit MerbaNetImpl(ModelConfig config);
  HeadOutput forward(const at::Tensor& x);
  // Pooled features entering the head, (B, C_last · head_grid²).
  at::Tensor features(const at::Tensor& x);

  const ModelConfig& config() const { return config_; }

  Stem stem{nullptr};
  torch::nn::ModuleList stages{nullptr};
  torch::nn::BatchNorm2d norm{nullptr};
  DualGranularityHead head{nullptr};

  // Throws c10::ValueError unless x is a non-empty float32 batch (B, C_in, S, S) of this config.
  void check_input(const at::Tensor& x) const;

 private:
  ModelConfig config_;
};
TORCH_MODULE(MerbaNet);

// Initialises every parameter as spec §2 says, from `seed` alone (independent of the global RNG):
// Linear weights truncated normal (std 0.02), biases 0; norms 1/0; convolutions LibTorch's default
// (uniform ±1/sqrt(fan_in)); per mixer A_log[d,n] = ln(n+1), D = 1, dt_proj.weight ~ U(±R^-½),
// dt_proj.bias = softplus⁻¹(dt) with dt log-uniform in [1e-3, 0.1] (floor 1e-4); pos_embed truncated
// normal (std 0.02).
void initialize(MerbaNetImpl& net, uint64_t seed);

}  // namespace merba::model
