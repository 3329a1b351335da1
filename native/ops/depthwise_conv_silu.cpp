#include "ops/depthwise_conv_silu.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/custom_function.h>

#include "ops/cpu/conv_silu_cpu.h"

namespace merba::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

void validate(const at::Tensor& tokens, const at::Tensor& weight) {
  TORCH_CHECK_VALUE(tokens.defined() && tokens.dim() == 3, "depthwise_conv1d_silu: tokens must have shape (N, L, C), got ",
                    tokens.defined() ? tokens.sizes() : at::IntArrayRef{});
  TORCH_CHECK_VALUE(weight.defined() && weight.dim() == 3 && weight.size(0) == tokens.size(2) && weight.size(1) == 1 &&
                        weight.size(2) % 2 == 1,
                    "depthwise_conv1d_silu: weight must have shape (C, 1, k) with C = ", tokens.size(2),
                    " and k odd, got ", weight.defined() ? weight.sizes() : at::IntArrayRef{});
  TORCH_CHECK_VALUE(weight.scalar_type() == tokens.scalar_type() && weight.device() == tokens.device(),
                    "depthwise_conv1d_silu: weight must match the tokens' dtype and device (", tokens.scalar_type(),
                    ", ", tokens.device(), "), got ", weight.scalar_type(), ", ", weight.device());
}

// The weights as (k, C): the layout the kernels vectorise over channels with.
at::Tensor transposed(const at::Tensor& weight) { return weight.squeeze(1).t().contiguous(); }

struct DepthwiseConvSiluFunction : public torch::autograd::Function<DepthwiseConvSiluFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& tokens, const at::Tensor& weight) {
    const at::Tensor x = tokens.contiguous();
    const at::Tensor w = transposed(weight);
    ctx->save_for_backward({x, w});
    return cpu::conv_silu_forward(x, w);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    // The kernels' gradients are not themselves differentiable: refuse create_graph rather than return
    // second derivatives that silently lack SiLU's terms.
    TORCH_CHECK(!at::GradMode::is_enabled(),
                "depthwise_conv1d_silu: double backward (create_graph=true) is not supported");
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& w = saved[1];
    cpu::ConvSiluGradients g = cpu::conv_silu_backward(x, w, grad_outputs[0]);
    return {g.gx, g.gweight_t.t().unsqueeze(1)};
  }
};

}  // namespace

at::Tensor depthwise_conv1d_silu_plain(const at::Tensor& tokens, const at::Tensor& weight) {
  validate(tokens, weight);
  const int64_t k = weight.size(2), pad = (k - 1) / 2, len = tokens.size(1);
  // Padding along L of the (N, L, C) tokens, then k shifted, per-channel-scaled copies.
  const at::Tensor padded = at::constant_pad_nd(tokens, {0, 0, pad, pad}, 0.0);
  const at::Tensor w = weight.squeeze(1);  // (C, k)
  at::Tensor y = padded.narrow(1, 0, len) * w.select(1, 0);
  for (int64_t j = 1; j < k; ++j) y = y + padded.narrow(1, j, len) * w.select(1, j);
  return at::silu(y);
}

at::Tensor depthwise_conv1d_silu(const at::Tensor& tokens, const at::Tensor& weight) {
  validate(tokens, weight);
  const bool fused = tokens.is_cpu() && (tokens.scalar_type() == at::kFloat || tokens.scalar_type() == at::kDouble);
  if (!fused) return depthwise_conv1d_silu_plain(tokens, weight);
  if (!at::GradMode::is_enabled() || !(tokens.requires_grad() || weight.requires_grad())) {
    return cpu::conv_silu_forward(tokens.contiguous(), transposed(weight));
  }
  return DepthwiseConvSiluFunction::apply(tokens, weight);
}

}  // namespace merba::ops
