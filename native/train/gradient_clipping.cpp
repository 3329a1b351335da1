#include "train/gradient_clipping.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace merba::train {

at::Tensor global_norm(const std::vector<at::Tensor>& tensors) {
  const std::vector<at::Tensor> norms = at::_foreach_norm(tensors, 2);
  return norms.size() == 1 ? norms.front() : at::stack(norms).norm(2);
}

at::Tensor clip_gradient_norm_(const std::vector<at::Tensor>& parameters, double max_norm) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return at::zeros({}, parameters.empty() ? at::TensorOptions() : parameters.front().options());
  const at::Tensor total = global_norm(grads);
  // Multiplying by a coefficient clamped to 1 leaves unclipped gradients exactly as they were.
  const at::Tensor coefficient = at::clamp(max_norm / (total + 1e-6), std::nullopt, 1.0);
  at::_foreach_mul_(grads, coefficient);
  return total;
}

}  // namespace merba::train
