#pragma once

#include <torch/arg.h>

#include <vector>

#include "model/inter_window_attention.h"
#include "model/local_extractor_block.h"
#include "model/model_config.h"
#include "model/nn.h"

namespace merba::model {

// One Local-Global Feature Integration stage (spec §2): pad to a multiple of the window size → window
// partition → Local Extractor blocks → inter-window attention → window reverse → crop → downsample
// (3×3 conv, stride 2, no bias, no norm; every stage but the last).
struct StageOptions {
  // One Local Extractor block per entry of block_drop_paths (its stochastic depth rate).
  StageOptions(LocalExtractorBlockOptions block, std::vector<double> block_drop_paths)
      : block_(std::move(block)), block_drop_paths_(std::move(block_drop_paths)) {}
  TORCH_ARG(LocalExtractorBlockOptions, block);
  TORCH_ARG(std::vector<double>, block_drop_paths);
  TORCH_ARG(int64_t, heads) = 1;
  TORCH_ARG(int64_t, num_windows) = 1;             // of the padded grid, for the inter-window attention
  TORCH_ARG(bool, inter_window_attention) = true;
  TORCH_ARG(int64_t, out_channels) = 0;            // of the downsample; 0 for the last stage (no downsample)
};

// Stage i of a network config: its blocks' options and drop-path rates (linear in the block's index over all
// blocks, 0 → drop_path), attention and downsample.
StageOptions stage_options(const ModelConfig& config, int64_t index);

class StageImpl : public torch::nn::Module {
 public:
  explicit StageImpl(const StageOptions& options);
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
