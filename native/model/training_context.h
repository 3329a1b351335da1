// Per-thread settings for a data-parallel training step (train/train_session.cpp), which runs shards of a
// batch through the same network on several threads at once:
//  * random draws (drop path, dropout) come from the shard's own generator, so a seeded run stays
//    reproducible whatever order the threads run in;
//  * only one shard updates the BatchNorm running statistics (the others would race on them).
// Outside such a step nothing is set and the defaults apply (LibTorch's default generator, updates on).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <optional>

#include "model/nn.h"

namespace merba::model {

class ShardContext {
 public:
  ShardContext(at::Generator generator, bool update_batch_norm_statistics);
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

// Inverted dropout / drop path masks drawn from the shard's generator when there is one.
at::Tensor bernoulli_mask(at::IntArrayRef shape, double keep, const at::TensorOptions& options);

}  // namespace merba::model
