#include "model/merba_net.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <cmath>

#include "model/training_context.h"
#include "runtime/blas_threads.h"
#include "runtime/nnpack.h"

namespace merba::model {

MerbaNetImpl::MerbaNetImpl(ModelConfig config) : config_(std::move(config)) {
  config_.validate();
  runtime::configure_blas_threads();
  runtime::configure_nnpack();
  stem = register_module("stem", Stem(config_));
  stages = register_module("stages", torch::nn::ModuleList());
  for (int64_t i = 0; i < config_.num_stages(); ++i) stages->push_back(Stage(stage_options(config_, i)));
  const int64_t last = config_.dims.back();
  norm = register_module("norm", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(last).eps(1e-5)));
  head = register_module("head", DualGranularityHead(config_, config_.head_features()));
}

void MerbaNetImpl::check_input(const at::Tensor& x) const {
  TORCH_CHECK_VALUE(x.defined(), "MERba input is undefined");
  TORCH_CHECK_VALUE(x.dim() == 4, "MERba input must have shape (B, C, H, W) = (B, ", config_.in_channels, ", ",
                    config_.input_size, ", ", config_.input_size, "), got ", x.sizes());
  TORCH_CHECK_VALUE(x.size(1) == config_.in_channels, "MERba input must have ", config_.in_channels,
                    " channels (u, v, strain), got shape ", x.sizes());
  TORCH_CHECK_VALUE(x.size(2) == config_.input_size && x.size(3) == config_.input_size, "MERba input must be ",
                    config_.input_size, "x", config_.input_size, " (the config's input_size), got shape ", x.sizes());
  TORCH_CHECK_VALUE(x.scalar_type() == at::kFloat, "MERba input must be float32, got ", x.scalar_type());
  TORCH_CHECK_VALUE(x.size(0) > 0, "MERba input holds no samples (batch size 0)");
}

at::Tensor MerbaNetImpl::features(const at::Tensor& x) {
  check_input(x);
  at::Tensor y = stem(x);
  for (const auto& stage : *stages) y = stage->as<StageImpl>()->forward(y);
  y = batch_norm(*norm, y, is_training());
  const int64_t g = config_.head_grid, side = y.size(2);
  if (g == 1) return y.mean({2, 3});
  if (side % g == 0) {
    // Equal cells: a plain mean, whose CUDA backward is deterministic (adaptive pooling's uses atomics).
    const int64_t cell = side / g;
    return y.reshape({y.size(0), y.size(1), g, cell, g, cell}).mean({3, 5}).flatten(1);
  }
  return at::adaptive_avg_pool2d(y, {g, g}).flatten(1);
}

HeadOutput MerbaNetImpl::forward(const at::Tensor& x) { return head(features(x)); }

namespace {

void trunc_normal(at::Tensor& t, double std, at::Generator& gen) {
  // timm's trunc_normal_(std, a=-2, b=2): at std 0.02 the ±2 bounds are 100 σ away, so clamping a normal
  // sample is the same distribution in practice.
  t.normal_(0.0, std, gen).clamp_(-2.0, 2.0);
}

void init_module(torch::nn::Module& m, at::Generator& gen) {
  if (auto* linear = m.as<torch::nn::LinearImpl>()) {
    trunc_normal(linear->weight, 0.02, gen);
    if (linear->bias.defined()) linear->bias.zero_();
  } else if (auto* conv2 = m.as<torch::nn::Conv2dImpl>()) {
    const double fan_in = static_cast<double>(conv2->weight.numel() / conv2->weight.size(0));
    conv2->weight.uniform_(-1.0 / std::sqrt(fan_in), 1.0 / std::sqrt(fan_in), gen);
  } else if (auto* conv1 = m.as<torch::nn::Conv1dImpl>()) {
    const double fan_in = static_cast<double>(conv1->weight.numel() / conv1->weight.size(0));
    conv1->weight.uniform_(-1.0 / std::sqrt(fan_in), 1.0 / std::sqrt(fan_in), gen);
  } else if (auto* ln = m.as<torch::nn::LayerNormImpl>()) {
    ln->weight.fill_(1.0);
    ln->bias.zero_();
  } else if (auto* bn = m.as<torch::nn::BatchNorm2dImpl>()) {
    bn->weight.fill_(1.0);
    bn->bias.zero_();
  }
}

void init_mixer(MixerImpl& mixer, at::Generator& gen) {
  const int64_t inner = mixer.inner(), N = mixer.d_state(), R = mixer.dt_rank();
  mixer.A_log.copy_(at::log(at::arange(1, N + 1, at::kFloat)).repeat({inner, 1}));
  mixer.D.fill_(1.0);
  const double bound = 1.0 / std::sqrt(static_cast<double>(R));
  mixer.dt_proj->weight.uniform_(-bound, bound, gen);
  at::Tensor dt = at::empty({inner}).uniform_(std::log(1e-3), std::log(0.1), gen).exp_().clamp_min_(1e-4);
  // softplus⁻¹(dt) = dt + log(1 − exp(−dt))
  mixer.dt_proj->bias.copy_(dt + at::log(-at::expm1(-dt)));
}

}  // namespace

void initialize(MerbaNetImpl& net, uint64_t seed) {
  at::NoGradGuard no_grad;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (const auto& m : net.modules(/*include_self=*/false)) init_module(*m, gen);
  for (const auto& m : net.modules(/*include_self=*/false)) {
    if (auto* mixer = m->as<MixerImpl>()) init_mixer(*mixer, gen);
    if (auto* iwa = m->as<InterWindowAttentionImpl>()) {
      if (iwa->pos_embed.defined()) trunc_normal(iwa->pos_embed, 0.02, gen);
    }
  }
}

}  // namespace merba::model
