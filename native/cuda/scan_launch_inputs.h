// Tensors → the kernels' ScanParams (scan_params.h): what the CUDA backend launches with, and what the CPU
// emulation test of the kernels passes them, so both run the kernels on the same parameters. Host code only
// (includes LibTorch); the kernels themselves see ScanParams alone.
#pragma once

#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_strided.h>

#include "cuda/scan_launch_config.h"
#include "cuda/scan_params.h"
#include "ops/scan_backend.h"

namespace merba::cuda {

inline ScanDtype scan_dtype(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return ScanDtype::Float32;
    case at::kDouble: return ScanDtype::Float64;
    case at::kHalf: return ScanDtype::Float16;
    case at::kBFloat16: return ScanDtype::BFloat16;
    default: TORCH_CHECK_VALUE(false, "selective_scan (CUDA): unsupported dtype ", t);
  }
}

inline at::ScalarType compute_dtype(const at::Tensor& u) { return u.scalar_type() == at::kDouble ? at::kDouble : at::kFloat; }

// A, D and delta_bias are tiny: the kernels take them contiguous in the compute type.
inline at::Tensor weight(const at::Tensor& t, at::ScalarType compute) {
  return t.defined() ? t.to(compute).contiguous() : t;
}

inline const void* ptr(const at::Tensor& t) { return t.defined() ? t.const_data_ptr() : nullptr; }

inline bool unit_stride(const at::Tensor& t, int64_t dim) { return t.size(dim) <= 1 || t.stride(dim) == 1; }

// Whether u, delta and z (when given) are all channels-last (ScanParams): unit stride along D, not all along L.
inline bool is_channels_last(const ops::DeviceScanInputs& in) {
  auto all = [&in](int64_t dim) {
    return unit_stride(in.u, dim) && unit_stride(in.delta, dim) && (!in.z.defined() || unit_stride(in.z, dim));
  };
  return !all(2) && all(1);
}

// The inputs with u, delta and z in one layout the kernels read: channels-last where all of them already are and
// `channels_last_allowed` (the short kernels), else length-major, copying only the tensors not already so.
inline ops::DeviceScanInputs arranged(ops::DeviceScanInputs in, bool channels_last_allowed) {
  const bool channels_last = channels_last_allowed && is_channels_last(in);
  for (at::Tensor* t : {&in.u, &in.delta, &in.z}) {
    if (t->defined() && !channels_last && !unit_stride(*t, 2)) *t = t->contiguous();
  }
  return in;
}

// The output gradient as the backward kernels read it: (B, D, L) contiguous, or, for channels-last inputs, any
// tensor with unit stride along D (what autograd passes back through the mixer's transpose and concatenation) whose
// in-row offsets fit the short kernels' 32 bits; else a copy, the transpose of a (B, L, D) contiguous tensor.
inline at::Tensor arranged_grad(const at::Tensor& grad, bool channels_last) {
  if (!channels_last) return grad.contiguous();
  const bool in_place = unit_stride(grad, 1) && fits_int32(grad.stride(2) * grad.size(2) + grad.size(1));
  return in_place ? grad : grad.transpose(1, 2).contiguous().transpose(1, 2);
}

// A per-(b, d, l) output or gradient in the layout the kernels write for these inputs: (B, D, L) contiguous, or for
// channels-last inputs (B, D, L) with the strides of a transposed (B, L, D) contiguous tensor. Not a view (a custom
// autograd function's outputs that are views may not be modified in place).
inline at::Tensor empty_per_step(const ScanParams& p, const at::TensorOptions& options) {
  if (!p.channels_last) return at::empty({p.batch, p.dim, p.len}, options);
  return at::empty_strided({p.batch, p.dim, p.len}, {p.len * p.dim, 1, p.dim}, options);
}

// The kernel parameters of `in` except the weights' pointers (A, D, delta_bias), which must be of the compute type:
// enough to choose the kernels (scan_kernel_for), without converting anything.
inline ScanParams params_without_weights(const ops::DeviceScanInputs& in) {
  ScanParams p;
  p.dtype = scan_dtype(in.u.scalar_type());
  p.batch = in.u.size(0);
  p.dim = in.u.size(1);
  p.len = in.u.size(2);
  p.dstate = in.A.size(1);
  p.channels_last = is_channels_last(in);
  p.u = in.u.const_data_ptr();
  p.u_stride_b = in.u.stride(0);
  p.u_stride_d = in.u.stride(1);
  p.u_stride_l = in.u.stride(2);
  p.delta = in.delta.const_data_ptr();
  p.delta_stride_b = in.delta.stride(0);
  p.delta_stride_d = in.delta.stride(1);
  p.delta_stride_l = in.delta.stride(2);
  p.B = in.B.const_data_ptr();
  p.B_stride_b = in.B.stride(0);
  p.B_stride_n = in.B.stride(1);
  p.B_stride_l = in.B.stride(2);
  p.C = in.C.const_data_ptr();
  p.C_stride_b = in.C.stride(0);
  p.C_stride_n = in.C.stride(1);
  p.C_stride_l = in.C.stride(2);
  if (in.z.defined()) {
    p.z = in.z.const_data_ptr();
    p.z_stride_b = in.z.stride(0);
    p.z_stride_d = in.z.stride(1);
    p.z_stride_l = in.z.stride(2);
  }
  p.delta_softplus = in.delta_softplus;
  return p;
}

// Keeps the converted weights alive as long as the params that point into them.
struct LaunchInputs {
  at::Tensor A, D, delta_bias;
  ScanParams params;

  explicit LaunchInputs(const ops::DeviceScanInputs& in) : params(params_without_weights(in)) {
    const auto compute = compute_dtype(in.u);
    A = weight(in.A, compute);
    D = weight(in.D, compute);
    delta_bias = weight(in.delta_bias, compute);
    params.A = ptr(A);
    params.D = ptr(D);
    params.delta_bias = ptr(delta_bias);
  }
};

}  // namespace merba::cuda
