// The run that data_parallel_test compares across processes: a composite-28 network without drop path, the spec's
// augmentation (flips and shifts: every rank draws them for the global batch and applies its rows), no mixup
// (whose partners stay within a rank's share), class weights (so that ranks' shares of the batch weigh
// differently), and a fixed stream of global batches. Shared by the test and the worker processes it starts.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>

#include "model/merba_net.h"
#include "train/training_options.h"

namespace merba::test::data_parallel {

constexpr int64_t kGlobalBatch = 16;
constexpr int64_t kSteps = 6;

inline model::MerbaNet network() {
  model::ModelConfig c = model::composite_28();
  c.drop_path = 0;
  model::MerbaNet net(c);
  model::initialize(*net, 11);
  return net;
}

inline train::TrainingOptions options() {
  train::TrainingOptions o;
  o.learning_rate = 1e-3;
  o.total_steps = kSteps;
  o.warmup_steps = 2;
  o.flip_probability = 0.5;
  o.max_translation = 2;
  o.class_weights = {0.5, 1.0, 2.0};
  // AdamW divides by sqrt(v) + eps: for a gradient near 0 the default eps turns a rounding difference in the
  // summation order into an update of ±lr. A larger eps keeps the update a smooth function of the gradient, so
  // that weights computed in another order stay within float tolerance.
  o.eps = 1e-3;
  return o;
}

// Global batch `step` (inputs, targets); rank r of w trains on rows [B r / w, B (r + 1) / w).
inline std::pair<at::Tensor, at::Tensor> global_batch(int64_t step) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(1000 + step);
  at::Tensor x = at::randn({kGlobalBatch, 3, 28, 28}, generator, at::TensorOptions().dtype(at::kFloat));
  at::Tensor y = at::randint(0, 3, {kGlobalBatch}, generator, at::TensorOptions().dtype(at::kLong));
  return {x, y};
}

inline std::pair<at::Tensor, at::Tensor> shard(const std::pair<at::Tensor, at::Tensor>& batch, int64_t rank,
                                              int64_t world) {
  const int64_t lo = kGlobalBatch * rank / world, hi = kGlobalBatch * (rank + 1) / world;
  return {batch.first.narrow(0, lo, hi - lo), batch.second.narrow(0, lo, hi - lo)};
}

}  // namespace merba::test::data_parallel
