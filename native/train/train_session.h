#pragma once

#include <ATen/core/Generator.h>

#include <memory>

#include "checkpoint/safetensors_file.h"
#include "model/merba_net.h"
#include "train/training_options.h"

namespace torch::optim {
class AdamW;
}

namespace merba::train {

struct StepResult {
  double loss = 0;            // mean DGCM loss of the batch (before the update)
  int64_t correct = 0;        // fine predictions equal to the target (DGCM hard/soft/flat as configured)
  int64_t samples = 0;
  double learning_rate = 0;   // used for this step
  double grad_norm = 0;       // global gradient norm before clipping
};

// One training run of one network: AdamW with spec §5's parameter groups, the warm-up + cosine schedule,
// gradient-norm clipping and seeded augmentation. step() is the whole update for one batch, so Java
// crosses JNI once per batch.
class TrainSession {
 public:
  TrainSession(model::MerbaNet net, TrainingOptions options, uint64_t seed);
  ~TrainSession();

  StepResult step(const at::Tensor& inputs, const at::Tensor& fine_targets);
  int64_t steps_taken() const { return step_; }

  // Everything resuming needs, as named tensors: the network's parameters and buffers ("model.<name>"), per
  // parameter its AdamW moments and step ("adamw.exp_avg.<name>", "adamw.exp_avg_sq.<name>",
  // "adamw.step.<name>"), the session's step count ("session.step") and the augmentation generator's state
  // ("session.generator"). One file holding all of it is consistent by construction (it is written atomically).
  checkpoint::NamedTensors state() const;
  // Tensors with the names, dtypes and shapes state() has, to read a saved state into.
  checkpoint::NamedTensors state_template() const;
  // Replaces the weights, optimiser moments, step count and generator with a state shaped like state_template()
  // (read and checked completely beforehand: this only copies).
  void restore_state(const checkpoint::NamedTensors& state);
  const TrainingOptions& options() const { return options_; }

 private:
  model::MerbaNet net_;
  TrainingOptions options_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::vector<at::Tensor> parameters_;
  at::Generator generator_;
  at::Tensor class_weights_;
  int64_t step_ = 0;
};

}  // namespace merba::train
