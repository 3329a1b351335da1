#include "train/weight_ema.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>

#include "checkpoint/model_checkpoint.h"

namespace merba::train {

WeightEma::WeightEma(torch::nn::Module& net, double decay) : decay_(decay) {
  TORCH_CHECK_VALUE(decay > 0 && decay < 1, "EMA decay must be in (0, 1), got ", decay);
  at::NoGradGuard no_grad;
  for (auto& [name, tensor] : checkpoint::module_tensors(net)) {  // parameters, then buffers
    names_.push_back(std::move(name));
    live_.push_back(std::move(tensor));
  }
  average_.reserve(live_.size());
  for (const at::Tensor& t : live_) average_.push_back(t.detach().clone());
}

double WeightEma::decay_at(int64_t k) const {
  return std::min(decay_, (1.0 + static_cast<double>(k)) / (10.0 + static_cast<double>(k)));
}

void WeightEma::update() {
  at::NoGradGuard no_grad;
  follow_devices();
  const double d = decay_at(++updates_);
  // One multi-tensor lerp for the floating tensors (on a GPU one kernel instead of one per tensor; on the CPU
  // the same per-tensor lerp_ as before); counters are copied.
  std::vector<at::Tensor> averages, lives;
  for (size_t i = 0; i < live_.size(); ++i) {
    if (at::isFloatingType(live_[i].scalar_type())) {
      averages.push_back(average_[i]);
      lives.push_back(live_[i].detach());
    } else {
      average_[i].copy_(live_[i]);
    }
  }
  if (!averages.empty()) at::_foreach_lerp_(averages, lives, 1.0 - d);
}

void WeightEma::swap() {
  at::NoGradGuard no_grad;
  follow_devices();
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
  const int64_t updates = checkpoint::tensor_named(state, "ema.updates").item<int64_t>();
  // d_k's warm-up divides by 10 + k and must stay in [0, 1): a negative count would extrapolate the weights.
  TORCH_CHECK_VALUE(updates >= 0, "training state: ema.updates = ", updates, " must be >= 0");
  updates_ = updates;
}

void WeightEma::follow_devices() {
  // The network may have been moved since the average was made (MerbaModel.toDevice): the average follows.
  for (size_t i = 0; i < live_.size(); ++i) {
    if (average_[i].device() != live_[i].device()) average_[i] = average_[i].to(live_[i].device());
  }
}

}  // namespace merba::train
