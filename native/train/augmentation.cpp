#include "train/augmentation.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <vector>

namespace merba::train {

at::Tensor mirror_flow(const at::Tensor& sample, FlowEncoding encoding) {
  at::Tensor flipped = sample.flip({2}).clone();
  at::Tensor u = flipped.select(0, 0);
  if (encoding == FlowEncoding::IMAGE) u.neg_().add_(1.0);
  else u.neg_();
  return flipped;
}

at::Tensor translate(const at::Tensor& sample, int64_t dy, int64_t dx) {
  const int64_t H = sample.size(1), W = sample.size(2);
  at::Tensor out = at::zeros_like(sample);
  if (std::abs(dy) >= H || std::abs(dx) >= W) return out;
  // Destination rows/cols [max(0, d), min(n, n + d)) come from source [max(0, −d), min(n, n − d)).
  const int64_t h = H - std::abs(dy), w = W - std::abs(dx);
  out.narrow(1, std::max<int64_t>(0, dy), h)
      .narrow(2, std::max<int64_t>(0, dx), w)
      .copy_(sample.narrow(1, std::max<int64_t>(0, -dy), h).narrow(2, std::max<int64_t>(0, -dx), w));
  return out;
}

at::Tensor augment(const at::Tensor& batch, const TrainingOptions& o, at::Generator& generator) {
  at::NoGradGuard no_grad;
  const int64_t B = batch.size(0), t = o.max_translation;
  if (o.flip_probability <= 0 && t == 0) return batch;
  // Draw every random number first (on the CPU generator), then transform.
  const at::Tensor flips = at::empty({B}, at::kDouble).uniform_(0.0, 1.0, generator);
  const at::Tensor shifts = t > 0 ? at::randint(-t, t + 1, {B, 2}, generator, at::TensorOptions().dtype(at::kLong))
                                  : at::zeros({B, 2}, at::kLong);
  const auto flip_values = flips.accessor<double, 1>();
  const auto shift_values = shifts.accessor<int64_t, 2>();
  std::vector<at::Tensor> samples;
  samples.reserve(B);
  for (int64_t b = 0; b < B; ++b) {
    at::Tensor s = batch[b];
    if (flip_values[b] < o.flip_probability) s = mirror_flow(s, o.flow_encoding);
    if (shift_values[b][0] != 0 || shift_values[b][1] != 0) s = translate(s, shift_values[b][0], shift_values[b][1]);
    samples.push_back(s);
  }
  return at::stack(samples, 0);
}

}  // namespace merba::train
