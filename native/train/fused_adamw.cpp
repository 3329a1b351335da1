#include "train/fused_adamw.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/optim/adamw.h>

#include <optional>
#include <unordered_set>
#include <vector>

namespace merba::train {
namespace {

using torch::optim::AdamWOptions;
using torch::optim::AdamWParamState;

bool moments_fit(const at::Tensor& p, const AdamWParamState& s) {
  for (const at::Tensor& t : {s.exp_avg(), s.exp_avg_sq()}) {
    if (!t.defined() || t.sizes() != p.sizes() || t.scalar_type() != p.scalar_type() || t.device() != p.device() ||
        !t.is_contiguous()) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool FusedAdamW::applies(const torch::optim::AdamW& optimizer) {
  std::unordered_set<const void*> seen;
  std::optional<at::Device> device;
  std::optional<at::ScalarType> dtype;
  for (const auto& group : optimizer.param_groups()) {
    if (static_cast<const AdamWOptions&>(group.options()).amsgrad()) return false;
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (p.grad().is_sparse() || !at::isFloatingType(p.scalar_type()) || p.grad().scalar_type() != p.scalar_type() ||
          p.grad().sizes() != p.sizes() || !p.is_contiguous() || !p.grad().is_contiguous() ||
          !seen.insert(p.unsafeGetTensorImpl()).second) {
        return false;
      }
      // The fused kernel takes one device and one dtype per call.
      if ((device && *device != p.device()) || (dtype && *dtype != p.scalar_type())) return false;
      device = p.device();
      dtype = p.scalar_type();
      const auto it = optimizer.state().find(p.unsafeGetTensorImpl());
      if (it != optimizer.state().end() && !moments_fit(p, static_cast<const AdamWParamState&>(*it->second))) {
        return false;
      }
    }
  }
  return true;
}

void FusedAdamW::step(torch::optim::AdamW& optimizer) {
  at::NoGradGuard no_grad;
  if (!applies(optimizer)) {
    optimizer.step();
    return;
  }
  auto& state = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const AdamWOptions&>(group.options());
    std::vector<at::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto it = state.find(p.unsafeGetTensorImpl());
      if (it == state.end()) {
        auto fresh = std::make_unique<AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(at::zeros_like(p, at::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Contiguous));
        it = state.emplace(p.unsafeGetTensorImpl(), std::move(fresh)).first;
      }
      auto& s = static_cast<AdamWParamState&>(*it->second);
      StepCounter& counter = counters_[p.unsafeGetTensorImpl()];
      if (!counter.on_device.defined() || counter.on_device.device() != p.device() || counter.host != s.step()) {
        // First use, or the state was replaced (a restore): one small copy, not a read.
        counter.on_device = at::full({}, static_cast<double>(s.step()), p.options().dtype(at::kFloat));
        counter.host = s.step();
      }
      params.push_back(p);
      grads.push_back(p.grad());
      exp_avgs.push_back(s.exp_avg());
      exp_avg_sqs.push_back(s.exp_avg_sq());
      steps.push_back(counter.on_device);
      s.step(s.step() + 1);  // what checkpoints save
      ++counter.host;
    }
    if (params.empty()) continue;
    // The kernel reads the step count of the update it makes, as PyTorch's fused path: advanced first.
    at::_foreach_add_(steps, 1);
    const auto [beta1, beta2] = o.betas();
    at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, /*max_exp_avg_sqs=*/{}, steps, o.lr(), beta1, beta2,
                      o.weight_decay(), o.eps(), /*amsgrad=*/false, /*maximize=*/false);
  }
}

}  // namespace merba::train
