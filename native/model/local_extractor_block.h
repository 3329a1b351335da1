#pragma once

#include <vector>

#include <torch/arg.h>

#include "model/mixer.h"
#include "model/mlp.h"
#include "model/model_config.h"
#include "model/nn.h"

namespace merba::model {

// The MERba Local Extractor block over windows (N = B·nWin, L = ws², C), pre-norm residual:
//   t = x + DropPath(AMS(norm1(x))),  y = t + DropPath(mlp(norm2(t)))
// AMS (asymmetric multi-scanning) runs one mixer per scan order, each on the window's tokens in its own
// order, and averages the results back in row-major order.
struct LocalExtractorBlockOptions {
  LocalExtractorBlockOptions(int64_t channels, int64_t window_size) : channels_(channels), window_size_(window_size) {}
  TORCH_ARG(int64_t, channels);
  TORCH_ARG(int64_t, window_size);
  TORCH_ARG(std::vector<ScanOrder>, scans) = {ScanOrder::H_PLUS, ScanOrder::V_MINUS};  // mixers.k scans in scans[k]
  TORCH_ARG(int64_t, d_state) = 8;
  TORCH_ARG(int64_t, d_conv) = 3;
  TORCH_ARG(double, mlp_ratio) = 4.0;
  TORCH_ARG(double, drop_path) = 0.0;  // this block's stochastic depth rate
};

class LocalExtractorBlockImpl : public torch::nn::Module {
 public:
  explicit LocalExtractorBlockImpl(const LocalExtractorBlockOptions& options);
  at::Tensor forward(const at::Tensor& x);
  at::Tensor multi_scan(const at::Tensor& x);  // AMS alone (no norm, no residual)

  const std::vector<ScanOrder>& scans() const { return scans_; }
  Mixer mixer(size_t k) const { return Mixer(mixers->ptr<MixerImpl>(k)); }

 private:
  std::vector<ScanOrder> scans_;
  int64_t window_size_;
  double drop_path_;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::ModuleList mixers{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(LocalExtractorBlock);

}  // namespace merba::model
