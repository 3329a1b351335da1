// Per-thread settings for a data-parallel training step (train/train_session.cpp), which runs shards of a
// batch through the same network on several threads at once:
//  * random draws (drop path, dropout) come from the shard's own generator, so a seeded run stays
//    reproducible whatever order the threads run in;
//  * only one shard updates the BatchNorm running statistics (the others would race on them);
//  * a captured CUDA graph of the step (train/step_graph.h) serves the masks from its own buffers.
// Outside such a step nothing is set and the defaults apply (LibTorch's default generator, updates on).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <functional>
#include <optional>

#include "model/nn.h"

namespace merba::model {

// Where bernoulli_mask's masks come from when not drawn as usual: shape, keep probability, options.
using MaskSource = std::function<at::Tensor(at::IntArrayRef, double, const at::TensorOptions&)>;

class ShardContext {
 public:
  ShardContext(at::Generator generator, bool update_batch_norm_statistics, MaskSource masks = {});
  ~ShardContext();
  ShardContext(const ShardContext&) = delete;
  ShardContext& operator=(const ShardContext&) = delete;

  // The generator of the shard this thread runs, if any.
  static std::optional<at::Generator> generator();
  static bool updates_batch_norm_statistics();
};

// BatchNorm2d forward that honours ShardContext: in training, batch statistics always normalise, and the
// running statistics are updated only where the context allows it.
at::Tensor batch_norm(torch::nn::BatchNorm2dImpl& bn, const at::Tensor& x, bool training);

// Inverted dropout / drop path masks: from the shard's mask source when it has one, else drawn from the
// shard's generator when there is one (draw_bernoulli_mask), else from LibTorch's default generator.
at::Tensor bernoulli_mask(at::IntArrayRef shape, double keep, const at::TensorOptions& options);

// A mask of 1/keep with probability keep, else 0, drawn on `generator`'s device (the CPU for a shard's) and
// moved to options' device.
at::Tensor draw_bernoulli_mask(at::IntArrayRef shape, double keep, const at::TensorOptions& options,
                               const at::Generator& generator);

}  // namespace merba::model
