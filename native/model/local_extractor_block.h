#pragma once

#include <vector>

#include "model/mixer.h"
#include "model/mlp.h"
#include "model/model_config.h"
#include "model/nn.h"

namespace merba::model {

// The MERba Local Extractor block over windows (N = B·nWin, L = ws², C), pre-norm residual:
//   t = x + DropPath(AMS(norm1(x))),  y = t + DropPath(mlp(norm2(t)))
// AMS (asymmetric multi-scanning) runs one mixer per scan order, each on the window's tokens in its own
// order, and averages the results back in row-major order.
class LocalExtractorBlockImpl : public torch::nn::Module {
 public:
  LocalExtractorBlockImpl(const ModelConfig& config, int64_t channels, int64_t window_size, double drop_path);
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
