#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "train/training_options.h"

namespace merba::train {

// Random horizontal mirror, small translation and (when options.erase_size > 0) random erasing of a batch of
// flow fields (B, C, H, W), per sample, drawn from `generator` (so a seeded run is reproducible).
//
// Both respect each sample's zero-motion level: `zero_levels` (B, C) is the value that means "no motion" in
// each sample's channels — 0 for signed or centred flows, the image's own level for min-max-normalised images
// (spec §5: that level differs from image to image). Mirroring a flow field is not only reversing columns:
// the horizontal component u changes sign about its zero level, u → 2·z_u − u (−u for signed flows); v and
// the strain are only mirrored. Translation shifts by whole pixels and fills the uncovered border with each
// channel's zero level, so neither operation invents motion. Erasing (cutout, DeVries & Taylor 2017) sets an
// erase_size × erase_size square, centred on a uniformly drawn pixel and clipped at the border, to the zero level:
// that part of the face is made still, so the network cannot lean on one region alone. An undefined
// `zero_levels` means all zeros.
//
// `rows` places the batch in a larger one (a data-parallel rank's share of the global batch): the random numbers
// are drawn for the whole of it and the share's rows applied, so every rank consumes the generator alike and each
// sample gets the draw it would get in one process. By default the batch is the whole.
struct BatchRows {
  int64_t offset = 0;  // of this batch's first sample in the whole
  int64_t total = 0;   // samples in the whole; 0: this batch is the whole
};
at::Tensor augment(const at::Tensor& batch, const at::Tensor& zero_levels, const TrainingOptions& options,
                   at::Generator& generator, BatchRows rows = {});

// The deterministic parts, exposed for tests. sample: (C, H, W); zero_level: (C).
at::Tensor mirror_flow(const at::Tensor& sample, const at::Tensor& zero_level);
at::Tensor translate(const at::Tensor& sample, int64_t dy, int64_t dx, const at::Tensor& zero_level);
// Rows [cy − ⌊size/2⌋, cy − ⌊size/2⌋ + size) × the same columns about cx, clipped to the image, set to the zero level.
at::Tensor erase(const at::Tensor& sample, int64_t cy, int64_t cx, int64_t size, const at::Tensor& zero_level);

// Checks that `zero_levels` is undefined or a (batch, channels) floating tensor; throws c10::ValueError.
void check_zero_levels(const at::Tensor& zero_levels, int64_t batch, int64_t channels);

}  // namespace merba::train
