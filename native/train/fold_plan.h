// A subject-wise evaluation planned by the Java API and run by the native fold loop (fold_runner.h): the
// samples as the network sees them, and per fold its training and test samples, seed and training options.
// Java decides everything (decoding, centring, the split, class weights, the schedule's steps); the native side
// only executes, so a fold trained natively equals the fold trained from Java, and the plan can travel as one
// file to a machine without a JVM (scripts/gpu-check.sh).
//
// File: safetensors with tensors `features` (S, C, H, W) float32, `labels` (S) int64 and, when the inputs are
// not centred, `zero_levels` (S, C) float32; __metadata__ {"format": "merba-fold-plan", "format_version": "1",
// "plan": JSON}. The plan JSON (docs/gpu.md):
//   {"protocol": "loso", "model_spec": "<ModelConfig native JSON>", "epochs": 50, "batch_size": 32,
//    "test_time_flip": true, "threads": 2, "class_names": [...],
//    "folds": [{"index": 0, "seed": 42000126, "held_out": "s01", "train": [sample indices], "test": [...],
//               "options": "<TrainingOptions native JSON>", "member_seeds": [42000126, ...]}, ...]}
// member_seeds (optional, format 1 readers before it refuse it as an unknown key): an ensemble per fold, one model
// per seed, the first being the fold's seed; absent means one model.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace merba::train {

struct FoldSpec {
  int64_t index = 0;
  int64_t seed = 0;  // the model's initialisation and the training run's seed (an ensemble's first member's)
  // The seeds of an ensemble's members, each one model trained as above; {seed} (or empty) for one model.
  std::vector<int64_t> member_seeds;
  std::string held_out;
  std::vector<int64_t> train, test;  // rows of the plan's tensors, in the Java datasets' order
  std::string options_json;          // TrainingOptions::from_json, with total and warm-up steps and class weights
};

struct FoldPlan {
  at::Tensor features, zero_levels, labels;  // zero_levels undefined for centred inputs
  std::string protocol, model_spec;
  int64_t epochs = 0, batch_size = 0;
  // The planner's intra-op thread count (0: not recorded). On the CPU it decides how a batch splits into
  // data-parallel shards, so a run reproduces the planner's predictions only with the same count.
  int64_t threads = 0;
  bool test_time_flip = false;
  std::vector<std::string> class_names;
  std::vector<FoldSpec> folds;

  // Parses and checks the plan JSON against the tensors (indices in range, every sample tested at most once and
  // never trained on in its own fold, fold indices distinct, samples of the model's shape, options and model spec
  // valid, class weights one per class, test-time flipping only on centred inputs, member seeds distinct, at most
  // 64, the first the fold's seed); throws std::invalid_argument naming what is wrong.
  static FoldPlan from_parts(const at::Tensor& features, const at::Tensor& zero_levels, const at::Tensor& labels,
                             const std::string& plan_json);
  static FoldPlan read(const std::string& path);
  // Checks the plan as from_parts does, then writes the file (atomically).
  static void write(const std::string& path, const at::Tensor& features, const at::Tensor& zero_levels,
                    const at::Tensor& labels, const std::string& plan_json);
};

}  // namespace merba::train
