#pragma once

#include "model/inter_window_attention.h"
#include "model/local_extractor_block.h"
#include "model/model_config.h"
#include "model/nn.h"

namespace merba::model {

// One Local-Global Feature Integration stage (spec §2): pad to a multiple of the window size → window
// partition → Local Extractor blocks → inter-window attention → window reverse → crop → downsample
// (3×3 conv, stride 2, no bias, no norm; every stage but the last).
class StageImpl : public torch::nn::Module {
 public:
  StageImpl(const ModelConfig& config, int64_t index, int64_t first_block);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::ModuleList blocks{nullptr};
  InterWindowAttention iwa{nullptr};
  torch::nn::Conv2d downsample{nullptr};

 private:
  at::Tensor run_blocks(const at::Tensor& windows);
  int64_t window_size_;
};
TORCH_MODULE(Stage);

}  // namespace merba::model
