// AdamW's update (decoupled weight decay, bias-corrected moments, no amsgrad) for every parameter of a
// torch::optim::AdamW, computed in one pass over each parameter's elements and spread over the intra-op
// threads, instead of LibTorch's ~9 tensor ops per parameter run one after another (MERba has ~140 small
// parameters: the per-op overhead was most of the optimiser's time, while the other core waited).
//
// The optimiser keeps owning the state (AdamWParamState: step, exp_avg, exp_avg_sq), created the way its
// own step() creates it, so checkpoints and optimizer.step() keep working on the same object. When any
// parameter is not a contiguous float32/float64 CPU tensor, has a state that does not match it, is listed
// twice, or uses amsgrad, the whole step is optimizer.step().
#pragma once

namespace torch::optim {
class AdamW;
}

namespace merba::train {

void adamw_step(torch::optim::AdamW& optimizer);

}  // namespace merba::train
