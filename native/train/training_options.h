// Hyper-parameters of the native training step, parsed from the JSON the Java TrainingConfig writes
// (spec §5 defaults).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace merba::train {

struct TrainingOptions {
  double learning_rate = 5e-4;
  double min_learning_rate = 1e-6;
  double weight_decay = 0.05;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  int64_t warmup_steps = 0;  // linear warm-up, then cosine to min_learning_rate
  int64_t total_steps = 1;
  double grad_clip = 5.0;    // max global gradient norm; <= 0 disables clipping
  double flip_probability = 0.5;  // mirror about each sample's zero-motion level (augmentation.h)
  int64_t max_translation = 2;    // pixels, uniform in [−t, t] per axis, the border filled with the zero level
  int64_t erase_size = 0;         // side of a square set to the zero level at a random place; 0 = off
  double sibling_weight = 1.0;       // λ of the DGCM loss
  std::vector<double> class_weights;  // per fine class, empty = unweighted
  double label_smoothing = 0;  // ε: targets (1 − ε)·one-hot + ε spread evenly (model/dgcm_loss.h)
  double mixup_alpha = 0;      // mixup with λ ~ Beta(α, α) per batch; 0 = off (train/mixup.h)
  double ema_decay = 0;        // exponential moving average of the weights; 0 = off (train/weight_ema.h)
  double sam_rho = 0;          // radius ρ of sharpness-aware minimisation; 0 = off (train/sharpness_aware.h)

  static TrainingOptions from_json(const std::string& json);
  void validate() const;
};

// Learning rate at a 0-based optimiser step: lr·(s+1)/W during warm-up, then
// min + (lr − min)·½·(1 + cos(π·(s − W)/(T − W))), and min from T on.
double learning_rate_at(const TrainingOptions& options, int64_t step);

}  // namespace merba::train
