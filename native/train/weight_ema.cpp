#include "train/weight_ema.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>

namespace merba::train {

WeightEma::WeightEma(torch::nn::Module& net, double decay) : decay_(decay) {
  TORCH_CHECK_VALUE(decay > 0 && decay < 1, "EMA decay must be in (0, 1), got ", decay);
  at::NoGradGuard no_grad;
  for (const auto& p : net.named_parameters()) {
    names_.push_back(p.key());
    live_.push_back(p.value());
  }
  for (const auto& b : net.named_buffers()) {
    names_.push_back(b.key());
    live_.push_back(b.value());
  }
  average_.reserve(live_.size());
  for (const at::Tensor& t : live_) average_.push_back(t.detach().clone());
}

double WeightEma::decay_at(int64_t k) const {
  return std::min(decay_, (1.0 + static_cast<double>(k)) / (10.0 + static_cast<double>(k)));
}

void WeightEma::update() {
  at::NoGradGuard no_grad;
  const double d = decay_at(++updates_);
  for (size_t i = 0; i < live_.size(); ++i) {
    if (at::isFloatingType(live_[i].scalar_type())) average_[i].lerp_(live_[i].detach(), 1.0 - d);
    else average_[i].copy_(live_[i]);
  }
}

void WeightEma::swap() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) {
    const at::Tensor raw = live_[i].detach().clone();
    live_[i].detach().copy_(average_[i]);
    average_[i].copy_(raw);
  }
}

checkpoint::NamedTensors WeightEma::state() const {
  checkpoint::NamedTensors out;
  for (size_t i = 0; i < names_.size(); ++i) out.emplace_back("ema." + names_[i], average_[i]);
  out.emplace_back("ema.updates", at::scalar_tensor(updates_, at::kLong));
  return out;
}

checkpoint::NamedTensors WeightEma::state_template() const {
  checkpoint::NamedTensors out;
  for (size_t i = 0; i < names_.size(); ++i) {
    out.emplace_back("ema." + names_[i], at::empty_like(average_[i], at::MemoryFormat::Contiguous));
  }
  out.emplace_back("ema.updates", at::empty({}, at::kLong));
  return out;
}

void WeightEma::restore(const checkpoint::NamedTensors& state) {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < names_.size(); ++i) average_[i].copy_(checkpoint::tensor_named(state, "ema." + names_[i]));
  updates_ = checkpoint::tensor_named(state, "ema.updates").item<int64_t>();
}

}  // namespace merba::train
