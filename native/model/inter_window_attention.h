#pragma once

#include <torch/arg.h>

#include "model/attention.h"
#include "model/mlp.h"
#include "model/nn.h"

namespace merba::model {

// Lightweight inter-window self-attention (spec §2, "IWA"), applied to the windows (B·nWin, L, C) of a
// stage after its blocks. With nWin > 1 it attends over one summary token per window (the window's mean
// plus a learned position embedding) and adds the change of each summary to every token of its window;
// with nWin = 1 it is an ordinary transformer block over all tokens.
struct InterWindowAttentionOptions {
  InterWindowAttentionOptions(int64_t channels, int64_t heads, int64_t num_windows)
      : channels_(channels), heads_(heads), num_windows_(num_windows) {}
  TORCH_ARG(int64_t, channels);
  TORCH_ARG(int64_t, heads);        // dividing channels
  TORCH_ARG(int64_t, num_windows);  // of the stage's padded grid; 1 makes it a transformer block over all tokens
  TORCH_ARG(double, mlp_ratio) = 4.0;
};

class InterWindowAttentionImpl : public torch::nn::Module {
 public:
  explicit InterWindowAttentionImpl(const InterWindowAttentionOptions& options);
  at::Tensor forward(const at::Tensor& windows, int64_t batch);

  int64_t num_windows() const { return num_windows_; }
  at::Tensor pos_embed;  // (nWin, C); undefined when nWin = 1

 private:
  int64_t num_windows_;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  Attention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(InterWindowAttention);

}  // namespace merba::model
