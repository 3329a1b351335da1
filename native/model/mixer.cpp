#include "model/mixer.h"

#include <ATen/ATen.h>

#include "ops/depthwise_conv_silu.h"
#include "ops/selective_scan.h"

namespace merba::model {

MixerImpl::MixerImpl(const MixerOptions& o)
    : channels_(o.channels()), inner_(o.channels() / 2), dt_rank_((o.channels() + 15) / 16), d_state_(o.d_state()) {
  using namespace torch::nn;
  const int64_t channels = o.channels(), d_state = o.d_state(), d_conv = o.d_conv();
  in_proj = register_module("in_proj", Linear(LinearOptions(channels, channels).bias(false)));
  auto depthwise = [&] {
    return Conv1d(Conv1dOptions(inner_, inner_, d_conv).groups(inner_).padding((d_conv - 1) / 2).bias(false));
  };
  conv1d_x = register_module("conv1d_x", depthwise());
  conv1d_z = register_module("conv1d_z", depthwise());
  x_proj = register_module("x_proj", Linear(LinearOptions(inner_, dt_rank_ + 2 * d_state).bias(false)));
  dt_proj = register_module("dt_proj", Linear(LinearOptions(dt_rank_, inner_).bias(true)));
  A_log = register_parameter("A_log", at::zeros({inner_, d_state}));
  D = register_parameter("D", at::ones({inner_}));
  out_proj = register_module("out_proj", Linear(LinearOptions(channels, channels).bias(false)));
}

at::Tensor MixerImpl::forward(const at::Tensor& tokens) {
  const int64_t n = tokens.size(0), len = tokens.size(1);
  // conv1d_x and conv1d_z, each followed by SiLU, as one depthwise conv over both halves of in_proj's
  // channels-last output: no transpose before it, one fused kernel on the CPU.
  const auto xz = ops::depthwise_conv1d_silu(in_proj(tokens), at::cat({conv1d_x->weight, conv1d_z->weight}, 0))
                      .split(inner_, 2);  // (N, L, h) each, rows strided by C
  const at::Tensor& x = xz[0];
  const at::Tensor& z = xz[1];
  const auto x_dbl = x_proj(x.reshape({n * len, inner_})).split({dt_rank_, d_state_, d_state_}, 1);
  // The scan's (N, h, L) and (N, N_s, L) inputs as transposed views, not copies: the CUDA short kernels read
  // channels-last u and delta in place (the CPU operator copies them itself), and its output and gradients come
  // back channels-last, which is what the concatenation below and its backward want.
  const at::Tensor dt = dt_proj(x_dbl[0]).view({n, len, inner_}).transpose(1, 2);  // (N, h, L)
  const at::Tensor B = x_dbl[1].view({n, len, d_state_}).transpose(1, 2);          // (N, N_s, L)
  const at::Tensor C = x_dbl[2].view({n, len, d_state_}).transpose(1, 2);
  // The dt bias is counted twice, in dt_proj and as delta_bias, exactly as MambaVision does.
  const at::Tensor y = ops::selective_scan(x.transpose(1, 2), dt, -at::exp(A_log.to(at::kFloat)), B, C,
                                           ops::SelectiveScanOptions()
                                               .D(D)
                                               .delta_bias(dt_proj->bias)
                                               .delta_softplus(true))
                           .out;
  return out_proj(at::cat({y.transpose(1, 2), z}, 2));
}

}  // namespace merba::model
