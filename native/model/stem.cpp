#include "model/stem.h"

#include "model/training_context.h"

namespace merba::model {

StemImpl::StemImpl(const ModelConfig& c) {
  const int64_t half = c.dims[0] / 2;
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in_channels, half, 3)
                                                         .stride(c.stem_strides[0]).padding(1).bias(false)));
  bn1 = register_module("bn1", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(half).eps(1e-4)));
  conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(half, c.dims[0], 3)
                                                         .stride(c.stem_strides[1]).padding(1).bias(false)));
  bn2 = register_module("bn2", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(c.dims[0]).eps(1e-4)));
}

at::Tensor StemImpl::forward(const at::Tensor& x) {
  const bool training = is_training();
  return batch_norm(*bn2, conv2(batch_norm(*bn1, conv1(x), training).relu()), training).relu();
}

}  // namespace merba::model
