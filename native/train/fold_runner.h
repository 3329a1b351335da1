// The native fold loop: trains and tests every fold of a FoldPlan, several folds at once when asked. Each fold
// is what the Java EvaluationRunner does for it — a network initialised from the fold's seed, a TrainSession with
// the fold's options and seed, epochs of batches shuffled by java.util.SplittableRandom(seed) as the Trainer
// shuffles them (the trailing partial batch included), the weight average swapped in at the end, and the test
// samples predicted in batches (with test-time flipping when the plan says so) — so its predictions equal the
// Java run's. A fold with several member seeds trains one such model per seed and predicts from the mean of their
// distributions by the head's rule (model::dgcm_choose), as EvaluationRunner does. Folds are independent (own
// network, session and generators): running them on several threads gives the same predictions as one by one. On
// a GPU each worker thread runs on its own stream.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/fold_plan.h"

namespace merba::train {

struct FoldResult {
  int64_t index = 0;                       // FoldSpec::index
  std::vector<int64_t> test, predicted;    // sample rows and their predicted classes
  at::Tensor coarse_probs, fine_probs;     // (test, K) on the CPU: the model's, or an ensemble's mean in float64
  double last_epoch_loss = 0;              // mean training loss of the last epoch (the members' mean)
  double seconds = 0;                      // wall time of the fold (training and prediction)
  int64_t graph_replays = 0;               // training steps replayed as CUDA graphs (FoldRunOptions::cuda_graphs)
};

struct FoldRunOptions {
  // Folds trained at once: threads, on a GPU one stream each. On the CPU only with one intra-op thread
  // (at::get_num_threads() == 1); otherwise CPU folds run one at a time — the intra-op threads already use the
  // cores, and oneDNN's OpenMP teams deadlock when several folds size them from the same thread count.
  int workers = 1;
  c10::Device device = c10::Device(c10::kCPU);
  // On a GPU: each step's forward and backward as a replayed CUDA graph (TrainSession::use_cuda_graphs).
  bool cuda_graphs = false;
  std::function<void(const FoldResult&)> on_fold_done;  // called under a lock, in completion order
};

FoldResult run_fold(const FoldPlan& plan, const FoldSpec& fold, c10::Device device, bool cuda_graphs = false);

// The folds run_folds trains at once (see FoldRunOptions::workers).
int effective_workers(const FoldRunOptions& options);

// Results in the plan's fold order. The first failure stops the folds not yet started and is rethrown.
std::vector<FoldResult> run_folds(const FoldPlan& plan, const FoldRunOptions& options);

// Pooled over every prediction (spec §5): accuracy, UF1 (mean over classes of F1) and UAR (mean recall).
struct PooledMetrics {
  double accuracy = 0, uf1 = 0, uar = 0;
  int64_t samples = 0;
};
PooledMetrics pooled_metrics(const FoldPlan& plan, const std::vector<FoldResult>& results);

// {"folds": [{"index", "test", "predicted", "last_epoch_loss", "seconds"}], "accuracy", "uf1", "uar", "samples",
//  "wall_seconds"}; wall_seconds is the caller's measure of the whole run (0 when not given).
std::string results_json(const FoldPlan& plan, const std::vector<FoldResult>& results, double wall_seconds = 0);

}  // namespace merba::train
