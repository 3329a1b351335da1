#include "model/inter_window_attention.h"

#include <ATen/ATen.h>

namespace merba::model {

InterWindowAttentionImpl::InterWindowAttentionImpl(const InterWindowAttentionOptions& o)
    : num_windows_(o.num_windows()) {
  using namespace torch::nn;
  const int64_t channels = o.channels(), num_windows = o.num_windows();
  norm1 = register_module("norm1", LayerNorm(LayerNormOptions({channels}).eps(1e-5)));
  attn = register_module("attn", Attention(channels, o.heads()));
  norm2 = register_module("norm2", LayerNorm(LayerNormOptions({channels}).eps(1e-5)));
  mlp = register_module("mlp", Mlp(channels, mlp_hidden(channels, o.mlp_ratio())));
  if (num_windows > 1) pos_embed = register_parameter("pos_embed", at::zeros({num_windows, channels}));
}

at::Tensor InterWindowAttentionImpl::forward(const at::Tensor& windows, int64_t batch) {
  if (num_windows_ == 1) {
    const at::Tensor x = windows + attn(norm1(windows));
    return x + mlp(norm2(x));
  }
  const int64_t C = windows.size(2);
  const at::Tensor g = windows.mean(1).view({batch, num_windows_, C});
  const at::Tensor g0 = g + pos_embed;
  const at::Tensor g1 = g0 + attn(norm1(g0));
  const at::Tensor g2 = g1 + mlp(norm2(g1));
  // Each window's tokens move by how much attention changed the window's summary.
  return windows + (g2 - g).view({batch * num_windows_, 1, C});
}

}  // namespace merba::model
