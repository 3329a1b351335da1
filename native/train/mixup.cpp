#include "train/mixup.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

namespace merba::train {

namespace {

// λ from the logarithms of two Gamma(α, 1) draws, for tiny α where the draws themselves underflow:
// ln G(α) = ln G(α + 1) + ln(U) / α (Marsaglia and Tsang's boost), and λ = G₁ / (G₁ + G₂) = σ(ln G₁ − ln G₂).
double beta_lambda_in_log_space(double alpha, at::Generator& generator) {
  const at::Tensor g = at::_standard_gamma(at::full({2}, alpha + 1, at::kDouble), generator);
  const at::Tensor u = at::empty({2}, at::kDouble).uniform_(0.0, 1.0, generator).clamp_min_(1e-300);
  const at::Tensor log_g = g.log() + u.log() / alpha;
  return 1.0 / (1.0 + std::exp(log_g[1].item<double>() - log_g[0].item<double>()));
}

}  // namespace

MixupDraw draw_mixup(int64_t batch, double alpha, at::Generator& generator) {
  TORCH_CHECK_VALUE(alpha > 0, "mixup alpha must be > 0, got ", alpha);
  // Beta(α, α) as G₁ / (G₁ + G₂) with G₁, G₂ ~ Gamma(α, 1).
  const at::Tensor g = at::_standard_gamma(at::full({2}, alpha, at::kDouble), generator);
  const double g1 = g[0].item<double>(), g2 = g[1].item<double>();
  MixupDraw draw;
  // LibTorch clamps Gamma draws to the smallest normal double. For small α they land there often (α = 0.001:
  // both in about a quarter of the batches), and the ratio then says 0.5, Beta(α, α)'s least likely value.
  // Such draws are redone in log space; for α ≥ 0.1 this branch has a chance below 1e-30 per batch.
  constexpr double kClamped = std::numeric_limits<double>::min();
  draw.lambda = g1 > kClamped && g2 > kClamped ? g1 / (g1 + g2) : beta_lambda_in_log_space(alpha, generator);
  draw.permutation = at::randperm(batch, generator, at::TensorOptions().dtype(at::kLong));
  return draw;
}

at::Tensor mix_inputs(const at::Tensor& x, const MixupDraw& draw) {
  return x * draw.lambda + x.index_select(0, draw.permutation.to(x.device())) * (1 - draw.lambda);
}

}  // namespace merba::train
