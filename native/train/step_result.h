// What one training step reports. A plain aggregate without LibTorch types, so that the JNI layer binds it
// as a typed peer (ai.merba.presets.NativeStepResult).
#pragma once

#include <cstdint>

namespace merba::train {

struct StepResult {
  double loss = 0;            // mean DGCM loss of the batch (before the update)
  int64_t correct = 0;        // fine predictions equal to the target (with mixup: the larger share's target)
  int64_t samples = 0;
  double learning_rate = 0;   // used for this step
  double grad_norm = 0;       // global gradient norm before clipping
};

}  // namespace merba::train
