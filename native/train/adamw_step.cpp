#include "train/adamw_step.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <vector>

namespace merba::train {
namespace {

// One parameter's update with the step's scalars, in LibTorch's order of operations:
//   p ← p·(1 − lr·wd);  m ← m·β1 + (1 − β1)·g;  v ← v·β2 + (1 − β2)·g²;
//   p ← p − (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps)
struct Update {
  at::Tensor param, grad, exp_avg, exp_avg_sq;
  double decay_factor, beta1, beta2, sqrt_bias_correction2, eps, step_size;
};

template <typename T>
void apply(const Update& u, int64_t begin, int64_t end) {
  T* p = u.param.mutable_data_ptr<T>();
  const T* g = u.grad.const_data_ptr<T>();
  T* m = u.exp_avg.mutable_data_ptr<T>();
  T* v = u.exp_avg_sq.mutable_data_ptr<T>();
  const T decay = static_cast<T>(u.decay_factor), b1 = static_cast<T>(u.beta1), b2 = static_cast<T>(u.beta2),
          one_minus_b1 = static_cast<T>(1 - u.beta1), one_minus_b2 = static_cast<T>(1 - u.beta2),
          sqrt_bc2 = static_cast<T>(u.sqrt_bias_correction2), eps = static_cast<T>(u.eps),
          neg_step = static_cast<T>(-u.step_size);
  for (int64_t i = begin; i < end; ++i) {
    const T pi = p[i] * decay;
    const T mi = m[i] * b1 + one_minus_b1 * g[i];
    const T vi = v[i] * b2 + one_minus_b2 * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + neg_step * mi / (std::sqrt(vi) / sqrt_bc2 + eps);
  }
}

bool fusable(const at::Tensor& p) {
  if (p.grad().is_sparse()) return false;
  return p.is_cpu() && p.is_contiguous() && p.grad().is_contiguous() &&
         (p.scalar_type() == at::kFloat || p.scalar_type() == at::kDouble) &&
         p.grad().scalar_type() == p.scalar_type() && p.grad().numel() == p.numel();
}

// A state made elsewhere (restored, or by optimizer.step()) must match its parameter before raw writes.
bool state_fits(const at::Tensor& p, const torch::optim::AdamWParamState& s) {
  for (const at::Tensor& t : {s.exp_avg(), s.exp_avg_sq()}) {
    if (!t.defined() || t.numel() != p.numel() || t.scalar_type() != p.scalar_type() || !t.is_cpu()) return false;
  }
  return true;
}

// Whether every parameter with a gradient can take the one-pass update: else optimizer.step() does all.
bool all_fusable(torch::optim::AdamW& optimizer) {
  std::unordered_set<const void*> seen;
  for (const auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      // A parameter listed twice would be updated twice, concurrently.
      if (o.amsgrad() || !fusable(p) || !seen.insert(p.unsafeGetTensorImpl()).second) return false;
      const auto it = optimizer.state().find(p.unsafeGetTensorImpl());
      if (it != optimizer.state().end() &&
          !state_fits(p, static_cast<const torch::optim::AdamWParamState&>(*it->second))) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

void adamw_step(torch::optim::AdamW& optimizer) {
  at::NoGradGuard no_grad;
  if (!all_fusable(optimizer)) {
    optimizer.step();
    return;
  }
  std::vector<Update> updates;
  auto& state = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto it = state.find(p.unsafeGetTensorImpl());
      if (it == state.end()) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(at::zeros_like(p, at::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Contiguous));
        it = state.emplace(p.unsafeGetTensorImpl(), std::move(fresh)).first;
      }
      auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
      s.step(s.step() + 1);
      const auto [beta1, beta2] = o.betas();
      const double bias_correction1 = 1 - std::pow(beta1, s.step());
      const double bias_correction2 = 1 - std::pow(beta2, s.step());
      updates.push_back(Update{p, p.grad(), s.exp_avg().contiguous(), s.exp_avg_sq().contiguous(),
                               1 - o.lr() * o.weight_decay(), beta1, beta2, std::sqrt(bias_correction2), o.eps(),
                               o.lr() / bias_correction1});
      // A restored state may hold non-contiguous moments: keep the contiguous tensors updated in place.
      s.exp_avg(updates.back().exp_avg);
      s.exp_avg_sq(updates.back().exp_avg_sq);
    }
  }
  // Work items of at most kChunk elements, so large and small parameters spread evenly over the threads.
  constexpr int64_t kChunk = 16384;
  struct Item {
    size_t update;
    int64_t begin, end;
  };
  std::vector<Item> items;
  for (size_t i = 0; i < updates.size(); ++i) {
    const int64_t n = updates[i].param.numel();
    for (int64_t b = 0; b < n; b += kChunk) items.push_back({i, b, std::min(n, b + kChunk)});
  }
  at::parallel_for(0, static_cast<int64_t>(items.size()), 4, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      const Item& item = items[k];
      const Update& u = updates[item.update];
      if (u.param.scalar_type() == at::kFloat) apply<float>(u, item.begin, item.end);
      else apply<double>(u, item.begin, item.end);
    }
  });
  // The writes went through raw pointers: count them as the in-place updates they are, so that autograd
  // still detects a graph that saved a parameter before the step.
  for (const Update& u : updates) {
    for (const at::Tensor* t : {&u.param, &u.exp_avg, &u.exp_avg_sq}) t->unsafeGetTensorImpl()->bump_version();
  }
}

}  // namespace merba::train
