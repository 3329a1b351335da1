#include "train/augmentation.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <vector>

namespace merba::train {

at::Tensor mirror_flow(const at::Tensor& sample, const at::Tensor& zero_level) {
  at::Tensor flipped = sample.flip({2}).clone();
  // u → 2·z_u − u: the reflection of u about its zero level.
  flipped.select(0, 0).neg_().add_(zero_level[0].to(sample.scalar_type()), 2.0);
  return flipped;
}

at::Tensor translate(const at::Tensor& sample, int64_t dy, int64_t dx, const at::Tensor& zero_level) {
  const int64_t C = sample.size(0), H = sample.size(1), W = sample.size(2);
  at::Tensor out = zero_level.to(sample.scalar_type()).view({C, 1, 1}).expand({C, H, W}).clone();
  if (std::abs(dy) >= H || std::abs(dx) >= W) return out;
  // Destination rows/cols [max(0, d), min(n, n + d)) come from source [max(0, −d), min(n, n − d)).
  const int64_t h = H - std::abs(dy), w = W - std::abs(dx);
  out.narrow(1, std::max<int64_t>(0, dy), h)
      .narrow(2, std::max<int64_t>(0, dx), w)
      .copy_(sample.narrow(1, std::max<int64_t>(0, -dy), h).narrow(2, std::max<int64_t>(0, -dx), w));
  return out;
}

at::Tensor erase(const at::Tensor& sample, int64_t cy, int64_t cx, int64_t size, const at::Tensor& zero_level) {
  const int64_t C = sample.size(0), H = sample.size(1), W = sample.size(2);
  const int64_t top = std::max<int64_t>(0, cy - size / 2), bottom = std::min(H, cy - size / 2 + size);
  const int64_t left = std::max<int64_t>(0, cx - size / 2), right = std::min(W, cx - size / 2 + size);
  at::Tensor out = sample.clone();
  if (size <= 0 || top >= bottom || left >= right) return out;
  out.narrow(1, top, bottom - top)
      .narrow(2, left, right - left)
      .copy_(zero_level.to(sample.scalar_type()).view({C, 1, 1}).expand({C, bottom - top, right - left}));
  return out;
}

void check_zero_levels(const at::Tensor& zero_levels, int64_t batch, int64_t channels) {
  if (!zero_levels.defined()) return;
  TORCH_CHECK_VALUE(zero_levels.dim() == 2 && zero_levels.size(0) == batch && zero_levels.size(1) == channels,
                    "zero_levels must have shape (B, C) = (", batch, ", ", channels, "), got ", zero_levels.sizes());
  TORCH_CHECK_VALUE(at::isFloatingType(zero_levels.scalar_type()), "zero_levels must be floating point, got ",
                    zero_levels.scalar_type());
}

at::Tensor augment(const at::Tensor& batch, const at::Tensor& zero_levels, const TrainingOptions& o,
                   at::Generator& generator, BatchRows rows) {
  at::NoGradGuard no_grad;
  const int64_t B = batch.size(0), t = o.max_translation;
  check_zero_levels(zero_levels, B, batch.size(1));
  const int64_t total = rows.total == 0 ? B : rows.total, offset = rows.offset;
  TORCH_CHECK_VALUE(offset >= 0 && offset + B <= total, "batch rows [", offset, ", ", offset + B,
                    ") do not lie in a whole of ", total);
  if (o.flip_probability <= 0 && t == 0 && o.erase_size == 0) return batch;
  const at::Tensor zeros =
      zero_levels.defined() ? zero_levels.to(at::kCPU) : at::zeros({B, batch.size(1)}, batch.options().device(at::kCPU));
  // Draw every random number first (on the CPU generator), then transform.
  const at::Tensor flips = at::empty({total}, at::kDouble).uniform_(0.0, 1.0, generator).narrow(0, offset, B);
  const at::Tensor shifts =
      (t > 0 ? at::randint(-t, t + 1, {total, 2}, generator, at::TensorOptions().dtype(at::kLong))
             : at::zeros({total, 2}, at::kLong))
          .narrow(0, offset, B);
  // Drawn only when erasing is on, after the others: runs without it keep their random sequence.
  const at::Tensor centres =
      (o.erase_size > 0
           ? at::stack({at::randint(0, batch.size(2), {total}, generator, at::TensorOptions().dtype(at::kLong)),
                        at::randint(0, batch.size(3), {total}, generator, at::TensorOptions().dtype(at::kLong))},
                       1)
           : at::zeros({total, 2}, at::kLong))
          .narrow(0, offset, B);
  const auto flip_values = flips.accessor<double, 1>();
  const auto shift_values = shifts.accessor<int64_t, 2>();
  const auto centre_values = centres.accessor<int64_t, 2>();
  std::vector<at::Tensor> samples;
  samples.reserve(B);
  for (int64_t b = 0; b < B; ++b) {
    at::Tensor s = batch[b];
    const at::Tensor z = zeros[b].to(s.device());
    if (flip_values[b] < o.flip_probability) s = mirror_flow(s, z);
    if (shift_values[b][0] != 0 || shift_values[b][1] != 0) s = translate(s, shift_values[b][0], shift_values[b][1], z);
    if (o.erase_size > 0) s = erase(s, centre_values[b][0], centre_values[b][1], o.erase_size, z);
    samples.push_back(s);
  }
  return at::stack(samples, 0);
}

}  // namespace merba::train
