#include "train/sharpness_aware.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "train/gradient_clipping.h"

namespace merba::train {

SharpnessPerturbation::SharpnessPerturbation(std::vector<at::Tensor> parameters, double rho) {
  TORCH_CHECK_VALUE(rho > 0, "SharpnessPerturbation: rho = ", rho, " must be > 0");
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (auto& p : parameters) {
    if (!p.grad().defined()) continue;
    grads.push_back(p.grad());
    parameters_.push_back(std::move(p));
  }
  TORCH_CHECK_VALUE(!parameters_.empty(), "SharpnessPerturbation: no parameter has a gradient; run a backward pass "
                    "first");
  norm_ = global_norm(grads);
  const at::Tensor scale = rho / (norm_ + 1e-12);
  saved_.reserve(parameters_.size());
  for (const auto& p : parameters_) saved_.push_back(p.detach().clone());
  // The weights are leaves that require gradients: moved in place outside autograd. A constructor that throws runs
  // no destructor, so a failure part-way (out of memory on a GPU) puts back what it had moved itself.
  try {
    for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].add_(grads[i] * scale);
  } catch (...) {
    restore();
    throw;
  }
}

void SharpnessPerturbation::restore() {
  if (saved_.empty()) return;
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].copy_(saved_[i]);
  saved_.clear();
}

SharpnessPerturbation::~SharpnessPerturbation() {
  try {
    restore();
  } catch (...) {
    // A destructor must not throw; restore() copies tensors of matching shapes and does not fail in practice.
  }
}

}  // namespace merba::train
