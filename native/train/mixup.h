// Mixup (Zhang et al., 2018) for flow fields: each sample of a batch is blended with a partner from the same
// batch, x = λ·x_i + (1 − λ)·x_π(i), and so are the targets (model/dgcm_loss.h: mix_targets).
//
// It is flow-aware in what it is applied to: the samples are mixed after their flips and translations, each
// made about the sample's own zero-motion level, and a mixture of two flows has as its zero level the same
// mixture of theirs — so for centred (signed) inputs the mixture is the superposed motion with zero at 0.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace merba::train {

struct MixupDraw {
  double lambda = 1;        // the share of each sample itself
  at::Tensor permutation;   // (B) int64: sample i is mixed with sample permutation[i]
};

// λ ~ Beta(α, α) (one per batch, as in the paper) and a random permutation of the batch, from `generator`.
MixupDraw draw_mixup(int64_t batch, double alpha, at::Generator& generator);

// λ·x + (1 − λ)·x[permutation] over the first dimension.
at::Tensor mix_inputs(const at::Tensor& x, const MixupDraw& draw);

}  // namespace merba::train
