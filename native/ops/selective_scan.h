// The selective scan of Mamba (spec §3): MERba's one custom operator.
//
//   Δ = delta + delta_bias;  if delta_softplus: Δ = softplus(Δ)
//   h_0 = 0;  h_l = exp(Δ_l·A) ⊙ h_{l−1} + Δ_l·B_l·u_l;  y_l = Σ_n h_l·C_l
//   out = y + D·u;  if z: out = out·SiLU(z)
//
// Differentiable in every tensor input through LibTorch autograd; the state and all arithmetic are
// float32 (float64 for float64 inputs), and the result has u's dtype.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/arg.h>

namespace merba::ops {

// The optional inputs. Undefined tensors mean "absent".
struct SelectiveScanOptions {
  TORCH_ARG(at::Tensor, D);           // (D): skip connection weight
  TORCH_ARG(at::Tensor, z);           // (B, D, L): output gate, out·SiLU(z)
  TORCH_ARG(at::Tensor, delta_bias);  // (D): added to delta before the softplus
  TORCH_ARG(bool, delta_softplus) = false;
  TORCH_ARG(bool, return_last_state) = false;
};

struct SelectiveScanResult {
  at::Tensor out;         // (B, D, L), u's dtype
  at::Tensor last_state;  // (B, D, N), float32/float64; undefined unless requested; not differentiable
};

// u, delta: (B, D, L); A: (D, N); B, C: (B, N, L). u, delta, B, C and z share one floating dtype
// (float32, float64, float16 or bfloat16); A, D and delta_bias may be float32 or that dtype. All on
// one device: the CPU, or CUDA in a build with the CUDA kernels (native/cuda; d_state up to 16 there).
// Any strides: u, delta and z may also be channels-last, transposes of (B, L, D) tensors as MERba's mixer has them,
// which the CUDA short kernels read in place; elsewhere (the CPU, the chunked CUDA kernels, layouts that differ
// between them) tensors without unit stride along L are copied first. out's strides are the backend's choice.
// Throws c10::ValueError (invalid argument) naming the offending argument and the expected shape.
SelectiveScanResult selective_scan(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A,
                                   const at::Tensor& B, const at::Tensor& C,
                                   const SelectiveScanOptions& options = {});

}  // namespace merba::ops
