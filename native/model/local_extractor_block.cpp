#include "model/local_extractor_block.h"

#include "model/drop_path.h"
#include "model/scan_order.h"

namespace merba::model {

LocalExtractorBlockImpl::LocalExtractorBlockImpl(const ModelConfig& c, int64_t channels, int64_t window_size,
                                                 double drop_path)
    : scans_(c.scans), window_size_(window_size), drop_path_(drop_path) {
  using namespace torch::nn;
  norm1 = register_module("norm1", LayerNorm(LayerNormOptions({channels}).eps(1e-5)));
  mixers = register_module("mixers", ModuleList());
  for (size_t k = 0; k < scans_.size(); ++k) mixers->push_back(Mixer(channels, c.d_state, c.d_conv));
  norm2 = register_module("norm2", LayerNorm(LayerNormOptions({channels}).eps(1e-5)));
  mlp = register_module("mlp", Mlp(channels, c.mlp_hidden(channels)));
}

at::Tensor LocalExtractorBlockImpl::multi_scan(const at::Tensor& x) {
  at::Tensor sum;
  for (size_t k = 0; k < scans_.size(); ++k) {
    const ScanOrder order = scans_[k];
    at::Tensor y = from_scan_order(mixer(k)->forward(to_scan_order(x, order, window_size_)), order, window_size_);
    sum = sum.defined() ? sum + y : y;
  }
  return scans_.size() == 1 ? sum : sum / static_cast<double>(scans_.size());
}

at::Tensor LocalExtractorBlockImpl::forward(const at::Tensor& x) {
  const at::Tensor t = x + drop_path(multi_scan(norm1(x)), drop_path_, is_training());
  return t + drop_path(mlp(norm2(t)), drop_path_, is_training());
}

}  // namespace merba::model
