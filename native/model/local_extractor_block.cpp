#include "model/local_extractor_block.h"

#include "model/drop_path.h"
#include "model/scan_order.h"

namespace merba::model {

LocalExtractorBlockImpl::LocalExtractorBlockImpl(const LocalExtractorBlockOptions& o)
    : scans_(o.scans()), window_size_(o.window_size()), drop_path_(o.drop_path()) {
  using namespace torch::nn;
  const int64_t channels = o.channels();
  norm1 = register_module("norm1", LayerNorm(LayerNormOptions({channels}).eps(1e-5)));
  mixers = register_module("mixers", ModuleList());
  for (size_t k = 0; k < scans_.size(); ++k) {
    mixers->push_back(Mixer(MixerOptions(channels).d_state(o.d_state()).d_conv(o.d_conv())));
  }
  norm2 = register_module("norm2", LayerNorm(LayerNormOptions({channels}).eps(1e-5)));
  mlp = register_module("mlp", Mlp(channels, mlp_hidden(channels, o.mlp_ratio())));
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
