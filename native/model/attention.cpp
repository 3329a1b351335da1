#include "model/attention.h"

#include <ATen/ATen.h>

namespace merba::model {

AttentionImpl::AttentionImpl(int64_t channels, int64_t heads) : heads_(heads) {
  qkv = register_module("qkv", torch::nn::Linear(channels, 3 * channels));
  proj = register_module("proj", torch::nn::Linear(channels, channels));
}

at::Tensor AttentionImpl::forward(const at::Tensor& x) {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  const at::Tensor qkv_heads = qkv(x).view({B, T, 3, heads_, C / heads_}).permute({2, 0, 3, 1, 4});
  // scaled_dot_product_attention's default scale is 1/sqrt(head_dim) = 1/sqrt(C/heads).
  const at::Tensor out = at::scaled_dot_product_attention(qkv_heads[0], qkv_heads[1], qkv_heads[2]);
  return proj(out.transpose(1, 2).reshape({B, T, C}));
}

}  // namespace merba::model
