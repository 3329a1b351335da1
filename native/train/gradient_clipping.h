// Clipping of the global gradient norm, as torch.nn.utils.clip_grad_norm_ (L2, coefficient
// max_norm / (norm + 1e-6) clamped to 1), with the multi-tensor `_foreach_` ops: on a GPU two kernels for all
// the gradients instead of two per parameter, and no host read — the norm stays a device tensor until the
// caller reads it. On the CPU the foreach ops run tensor by tensor, the same operations as LibTorch's
// clip_grad_norm_, so the results are bit-identical to it.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace merba::train {

// The L2 norm of all of `tensors` together (non-empty), a 0-dim tensor on their device: one `_foreach_norm` and,
// for more than one tensor, the norm of the norms.
at::Tensor global_norm(const std::vector<at::Tensor>& tensors);

// Scales the gradients of `parameters` in place so that their global L2 norm is at most max_norm (infinity:
// never) and returns that norm before clipping, a 0-dim tensor on the gradients' device (0, on the parameters'
// device, when no parameter has a gradient).
at::Tensor clip_gradient_norm_(const std::vector<at::Tensor>& parameters, double max_norm);

}  // namespace merba::train
