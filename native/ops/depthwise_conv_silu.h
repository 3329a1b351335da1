// SiLU(depthwise conv1d with 'same' zero padding) on channels-last tokens: the mixer's conv1d_x/conv1d_z
// followed by their SiLU, for both halves at once.
//
//   y[n, l, c] = SiLU( Σ_j weight[c, 0, j] · x[n, l + j − (k − 1)/2, c] )     (terms outside [0, L) are 0)
//
// On the CPU (float32/float64) one fused kernel does each direction: no padded copy, no per-tap
// temporaries, and the SiLU's pre-activation is recomputed in backward instead of stored. Elsewhere
// (CUDA, other dtypes) it runs as LibTorch ops; depthwise_conv1d_silu_plain is that path, and the
// independent reference the fused kernels are tested against.
#pragma once

#include <ATen/core/Tensor.h>

namespace merba::ops {

// tokens: (N, L, C); weight: (C, 1, k) with k odd (Conv1d's depthwise layout). Returns (N, L, C),
// differentiable once in both (backward with create_graph is refused on the fused path). Throws
// c10::ValueError for other shapes.
at::Tensor depthwise_conv1d_silu(const at::Tensor& tokens, const at::Tensor& weight);

at::Tensor depthwise_conv1d_silu_plain(const at::Tensor& tokens, const at::Tensor& weight);

}  // namespace merba::ops
