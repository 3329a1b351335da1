#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "train/training_options.h"

namespace merba::train {

// Random horizontal mirror and small translation of a batch of flow fields (B, C, H, W), per sample, drawn
// from `generator` (so a seeded run is reproducible). Mirroring a flow field is not only reversing columns:
// the horizontal component u changes sign — −u for signed flows, 1 − u for min-max-normalised image flows
// (channel 0; v and the strain are unchanged). Translation shifts by whole pixels with zero fill.
at::Tensor augment(const at::Tensor& batch, const TrainingOptions& options, at::Generator& generator);

// The deterministic parts, exposed for tests.
at::Tensor mirror_flow(const at::Tensor& sample, FlowEncoding encoding);           // (C, H, W)
at::Tensor translate(const at::Tensor& sample, int64_t dy, int64_t dx);            // (C, H, W)

}  // namespace merba::train
