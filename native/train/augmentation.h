#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "train/training_options.h"

namespace merba::train {

// Random horizontal mirror and small translation of a batch of flow fields (B, C, H, W), per sample, drawn
// from `generator` (so a seeded run is reproducible).
//
// Both respect each sample's zero-motion level: `zero_levels` (B, C) is the value that means "no motion" in
// each sample's channels — 0 for signed or centred flows, the image's own level for min-max-normalised images
// (spec §5: that level differs from image to image). Mirroring a flow field is not only reversing columns:
// the horizontal component u changes sign about its zero level, u → 2·z_u − u (−u for signed flows); v and
// the strain are only mirrored. Translation shifts by whole pixels and fills the uncovered border with each
// channel's zero level, so neither operation invents motion. An undefined `zero_levels` means all zeros.
at::Tensor augment(const at::Tensor& batch, const at::Tensor& zero_levels, const TrainingOptions& options,
                   at::Generator& generator);

// The deterministic parts, exposed for tests. sample: (C, H, W); zero_level: (C).
at::Tensor mirror_flow(const at::Tensor& sample, const at::Tensor& zero_level);
at::Tensor translate(const at::Tensor& sample, int64_t dy, int64_t dx, const at::Tensor& zero_level);

// The mirror image of a batch (B, C, H, W) of centred flows (zero motion at 0): columns reversed, u negated. What
// mirror_flow does to each sample with zero levels 0; test-time flipping predicts from it too.
at::Tensor mirror_centred(const at::Tensor& batch);

// Checks that `zero_levels` is undefined or a (batch, channels) floating tensor; throws c10::ValueError.
void check_zero_levels(const at::Tensor& zero_levels, int64_t batch, int64_t channels);

}  // namespace merba::train
