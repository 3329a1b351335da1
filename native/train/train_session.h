#pragma once

#include <ATen/core/Generator.h>

#include <memory>

#include "checkpoint/safetensors_file.h"
#include "model/merba_net.h"
#include "train/augmentation.h"
#include "train/fused_adamw.h"
#include "train/step_graph.h"
#include "train/step_result.h"
#include "train/training_options.h"
#include "train/weight_ema.h"

namespace torch::optim {
class AdamW;
}

namespace merba::distributed {
class ProcessGroup;
}

namespace merba::train {

// One training run of one network: AdamW with spec §5's parameter groups, the warm-up + cosine schedule,
// gradient-norm clipping, seeded augmentation and mixup, label smoothing, class weights, when ema_decay > 0 an
// average of the weights and, when sam_rho > 0, sharpness-aware steps (train/sharpness_aware.h). step() is the
// whole update for one batch, so Java crosses JNI once per batch.
//
// Data-parallel across processes when given a process group of more than one rank: each rank steps on its
// share of the global batch, the gradients are summed over the ranks (bucketed) before clipping and AdamW, the
// step's loss and counts are the global batch's, and BatchNorm's running statistics follow rank 0 (as
// DistributedDataParallel's broadcast_buffers). The weights start as rank 0's. Every rank seeds its generator
// alike and draws from it for the whole global batch (augmentation, mixup's λ), taking its share's rows, so the
// ranks' generators never drift apart; what stays within a share (mixup's partners, the threads' drop-path seeds)
// comes from a generator of the rank's own, seeded from the shared one each step.
class TrainSession {
 public:
  TrainSession(model::MerbaNet net, TrainingOptions options, uint64_t seed,
               std::shared_ptr<distributed::ProcessGroup> group = nullptr);
  ~TrainSession();

  // inputs (B, C, H, W) on the CPU, fine_targets (B) int64, zero_levels (B, C): each sample's zero-motion level
  // per channel (augmentation.h), undefined for all zeros (signed or centred flows). Data-parallel, `share` places
  // this rank's batch in the global one (its first row and the global size); a single process leaves it default.
  StepResult step(const at::Tensor& inputs, const at::Tensor& fine_targets, const at::Tensor& zero_levels = {},
                  BatchRows share = {});
  int64_t steps_taken() const { return step_; }

  // On a GPU: run each step's forward and backward as a CUDA graph (train/step_graph.h) once a few eager steps
  // of the first batch size have run, with the same draws and results as eager steps; other batch sizes (an
  // epoch's last, partial batch) stay eager. Throws when the network is not on a GPU or the build has no CUDA;
  // a step whose capture fails throws with the cause.
  void use_cuda_graphs(bool on);
  // The step graph in use, or null: how many steps replayed it.
  const StepGraph* step_graph() const { return graph_.get(); }

  // With ema_decay > 0: exchanges the network's weights with their average (to evaluate or save the average),
  // and back on the next call. Steps and state() need the raw weights in place.
  bool has_weight_average() const { return ema_ != nullptr; }
  void swap_weight_average();

  // Everything resuming needs, as named tensors: the network's parameters and buffers ("model.<name>"), per
  // parameter its AdamW moments and step ("adamw.exp_avg.<name>", "adamw.exp_avg_sq.<name>",
  // "adamw.step.<name>"), the session's step count ("session.step"), the augmentation generator's state
  // ("session.generator") and, with a weight average, its tensors (WeightEma::state). One file holding all of it
  // is consistent by construction (it is written atomically).
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
  FusedAdamW fused_adamw_;  // the optimiser's update for parameters on a GPU
  std::vector<at::Tensor> parameters_;
  at::Generator generator_;
  at::Tensor class_weights_;
  std::unique_ptr<WeightEma> ema_;
  bool average_in_net_ = false;
  int64_t step_ = 0;
  std::shared_ptr<distributed::ProcessGroup> group_;  // null or a world of one: a single process
  std::unique_ptr<StepGraph> graph_;                  // with use_cuda_graphs(true)

  bool distributed() const;
  std::vector<at::Tensor> buffers_by_dtype() const;
  void require_same_state_on_every_rank();
  // Sums the gradients and the step's totals over the ranks and takes rank 0's buffers (see the class comment);
  // returns the global batch weight the gradients were divided by.
  double reduce_over_ranks(StepResult& r, double local_weight);
  // Sums a sharpness-aware step's second gradients over the ranks and divides them by the first pass's global weight.
  void reduce_gradients_over_ranks(double global_weight);
  // Every parameter's gradient, a zero one where the loss did not reach it (none does today), so that every rank
  // sends the same buckets.
  std::vector<at::Tensor> gradients_for_reduction();
  void require_raw_weights(const char* what) const;
  // Forward, DGCM loss (times `scale`, a shard's share of the batch mean, unless 1) and backward of one batch
  // or shard, inside the caller's ShardContext: the loss and the correct count, as device scalars.
  PassOutputs forward_backward(const at::Tensor& x, const model::DgcmTargets& targets, const at::Tensor& counted,
                              double scale);
};

}  // namespace merba::train
