#pragma once

#include <torch/arg.h>

#include "model/nn.h"

namespace merba::model {

// The MambaVision mixer over a token sequence (N, L, C) (spec §2, "Mixer"): in_proj, the x/z halves each
// through a depthwise conv1d + SiLU, the selective scan on x, z concatenated (not a gate), out_proj.
// Parameter names are part of the checkpoint format.
struct MixerOptions {
  explicit MixerOptions(int64_t channels) : channels_(channels) {}
  TORCH_ARG(int64_t, channels);     // C; the inner width h = C/2 and dt_rank R = ceil(C/16) follow from it
  TORCH_ARG(int64_t, d_state) = 8;  // N of the selective scan
  TORCH_ARG(int64_t, d_conv) = 3;   // kernel of the depthwise convolutions (odd)
};

class MixerImpl : public torch::nn::Module {
 public:
  explicit MixerImpl(const MixerOptions& options);
  at::Tensor forward(const at::Tensor& x);

  int64_t channels() const { return channels_; }
  int64_t inner() const { return inner_; }
  int64_t dt_rank() const { return dt_rank_; }
  int64_t d_state() const { return d_state_; }

  torch::nn::Linear in_proj{nullptr}, x_proj{nullptr}, dt_proj{nullptr}, out_proj{nullptr};
  torch::nn::Conv1d conv1d_x{nullptr}, conv1d_z{nullptr};
  at::Tensor A_log, D;

 private:
  int64_t channels_, inner_, dt_rank_, d_state_;
};
TORCH_MODULE(Mixer);

}  // namespace merba::model
