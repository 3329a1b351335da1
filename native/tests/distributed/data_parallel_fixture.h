// The run that data_parallel_test compares across processes: a composite-28 network without drop path, the spec's
// augmentation (flips and shifts: every rank draws them for the global batch and applies its rows), no mixup
// (whose partners stay within a rank's share), class weights (so that ranks' shares of the batch weigh
// differently), and a fixed stream of global batches. Shared by the test and the worker processes it starts.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/merba_net.h"
#include "train/train_session.h"
#include "train/training_options.h"

namespace merba::test::data_parallel {

constexpr int64_t kGlobalBatch = 16;
constexpr int64_t kSteps = 6;
constexpr double kSamRho = 0.05;  // the radius of the workers' "sam" mode

inline model::MerbaNet network() {
  model::ModelConfig c = model::composite_28();
  c.drop_path = 0;
  model::MerbaNet net(c);
  model::initialize(*net, 11);
  return net;
}

// With sam_rho > 0, sharpness-aware steps: the ranks move their weights by the reduced gradient.
inline train::TrainingOptions options(double sam_rho = 0) {
  train::TrainingOptions o;
  o.sam_rho = sam_rho;
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

// Where rank r of w finds its share in the global batch (what ai.merba.train.Trainer passes too).
inline train::BatchRows share_rows(int64_t rank, int64_t world) { return {kGlobalBatch * rank / world, kGlobalBatch}; }

// Rank r of w's step on its share of global batch `step`.
inline train::StepResult step_share(train::TrainSession& session, int64_t step, int64_t rank, int64_t world) {
  const auto [x, y] = global_batch(step);
  const train::BatchRows rows = share_rows(rank, world);
  const int64_t n = kGlobalBatch * (rank + 1) / world - rows.offset;
  return session.step(x.narrow(0, rows.offset, n), y.narrow(0, rows.offset, n), {}, rows);
}

// Appends the network's weights and buffers (the "model." part of the session's state) as doubles; with `starts`,
// where each tensor begins, for reports.
inline void append_weights(const train::TrainSession& session, std::vector<double>& out,
                           std::vector<std::pair<size_t, std::string>>* starts = nullptr) {
  for (const auto& [name, tensor] : session.state()) {
    if (name.rfind("model.", 0) != 0) continue;
    if (starts != nullptr) starts->emplace_back(out.size(), name);
    const at::Tensor values = tensor.to(at::kDouble).contiguous();
    out.insert(out.end(), values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
  }
}

}  // namespace merba::test::data_parallel
