// AdamW for parameters on an accelerator: LibTorch's fused multi-tensor kernel (at::_fused_adamw_), one call per
// parameter group, instead of torch::optim::AdamW::step's ~9 kernels per parameter. The optimiser keeps owning
// the moments (AdamWParamState, created as its own step() creates them), so checkpoints and optimizer.step()
// keep working on the same object. The fused kernel counts steps in tensors on the parameters' device: this
// class keeps one per parameter, in step with the state's own counter (refilled from it when they differ, as
// after a restore), so the bias corrections are LibTorch's and no step reads a value back to the host.
//
// It also runs on the CPU (LibTorch has a CPU fused kernel), which is how the tests compare it with
// torch::optim::AdamW; the training step uses it for CUDA parameters and its own one-pass update on the CPU
// (adamw_step.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <unordered_map>

namespace torch::optim {
class AdamW;
}

namespace merba::train {

class FusedAdamW {
 public:
  // Whether step() takes the fused path: every parameter with a gradient is a contiguous floating tensor, all of
  // one dtype on one device, none listed twice, no amsgrad, and existing moments match their parameters. Otherwise step() is
  // optimizer.step().
  static bool applies(const torch::optim::AdamW& optimizer);

  void step(torch::optim::AdamW& optimizer);

 private:
  struct StepCounter {
    at::Tensor on_device;  // float32 scalar on the parameter's device
    int64_t host = 0;      // the value it holds, known without reading it
  };
  std::unordered_map<const void*, StepCounter> counters_;
};

}  // namespace merba::train
