#include "train/mixup.h"

#include <ATen/ATen.h>

namespace merba::train {

MixupDraw draw_mixup(int64_t batch, double alpha, at::Generator& generator) {
  TORCH_CHECK_VALUE(alpha > 0, "mixup alpha must be > 0, got ", alpha);
  // Beta(α, α) as G₁ / (G₁ + G₂) with G₁, G₂ ~ Gamma(α, 1).
  const at::Tensor g = at::_standard_gamma(at::full({2}, alpha, at::kDouble), generator);
  const double g1 = g[0].item<double>(), g2 = g[1].item<double>();
  MixupDraw draw;
  draw.lambda = g1 + g2 > 0 ? g1 / (g1 + g2) : 0.5;  // both underflow only for tiny α, where λ is 0 or 1 anyway
  draw.permutation = at::randperm(batch, generator, at::TensorOptions().dtype(at::kLong));
  return draw;
}

at::Tensor mix_inputs(const at::Tensor& x, const MixupDraw& draw) {
  return x * draw.lambda + x.index_select(0, draw.permutation.to(x.device())) * (1 - draw.lambda);
}

}  // namespace merba::train
