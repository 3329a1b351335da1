// The C++ side of ai.merba.presets.NativeTrainer: a training session over a model owned by a ModelHandle
// (the Java Trainer keeps that model open while it trains). Error contract as in merba_jni.h.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

#include "jni/model_handle.h"
#include "jni/process_group_handle.h"
#include "train/step_result.h"

namespace merba::jni {

class TrainHandle {
 public:
  // options_json: the training options of native/train/training_options.h as JSON.
  TrainHandle(ModelHandle& model, const std::string& options_json, long long seed);
  // Data-parallel over a process group (train/train_session.h); the group must outlive this handle's steps (it is
  // shared, so closing the Java peer first is safe).
  TrainHandle(ModelHandle& model, const std::string& options_json, long long seed, ProcessGroupHandle& group);
  ~TrainHandle();
  TrainHandle(const TrainHandle&) = delete;
  TrainHandle& operator=(const TrainHandle&) = delete;

  // One optimiser step on a batch; zero_levels (B, C) or undefined for zeros (see train/augmentation.h).
  // Data-parallel, the batch is this rank's share of a global batch of global_size samples starting at
  // share_offset; a single process passes 0, 0.
  train::StepResult step(const at::Tensor& inputs, const at::Tensor& fine_targets, const at::Tensor& zero_levels,
                         long long share_offset, long long global_size);
  long long steps_taken() const;

  // The weight average (ema_decay > 0): whether there is one, and exchanging it with the network's weights.
  bool has_weight_average() const;
  void swap_weight_average();

  // Writes NAME.train.safetensors: weights, optimiser moments, step, generator state (TrainSession::state), and
  // `metadata` plus "options" (this session's options), "step" and "threads".
  void save_state(const std::string& path, const checkpoint::Metadata& metadata);
  // Restores a state (weights included) saved by a session with the same options, thread count and world size
  // (StateMismatch otherwise), all checked before anything changes; returns its metadata.
  checkpoint::Metadata load_state(const std::string& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The validated metadata of a training-state file, without loading it.
checkpoint::Metadata read_training_state_metadata(const std::string& path);

// The learning rate of the schedule at a step, for the Java side's reports and tests.
double learning_rate_at(const std::string& options_json, long long step);

}  // namespace merba::jni
