// Tensors → the kernels' ScanParams (scan_params.h): what the CUDA backend launches with, and what the CPU
// emulation test of the kernels passes them, so both run the kernels on the same parameters. Host code only
// (includes LibTorch); the kernels themselves see ScanParams alone.
#pragma once

#include <ATen/core/Tensor.h>

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

// Keeps the converted weights alive as long as the params that point into them.
struct LaunchInputs {
  at::Tensor A, D, delta_bias;
  ScanParams params;

  explicit LaunchInputs(const ops::DeviceScanInputs& in) {
    const auto compute = compute_dtype(in.u);
    A = weight(in.A, compute);
    D = weight(in.D, compute);
    delta_bias = weight(in.delta_bias, compute);
    ScanParams& p = params;
    p.dtype = scan_dtype(in.u.scalar_type());
    p.batch = in.u.size(0);
    p.dim = in.u.size(1);
    p.len = in.u.size(2);
    p.dstate = in.A.size(1);
    p.u = in.u.const_data_ptr();
    p.u_stride_b = in.u.stride(0);
    p.u_stride_d = in.u.stride(1);
    p.delta = in.delta.const_data_ptr();
    p.delta_stride_b = in.delta.stride(0);
    p.delta_stride_d = in.delta.stride(1);
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
    }
    p.A = ptr(A);
    p.D = ptr(D);
    p.delta_bias = ptr(delta_bias);
    p.delta_softplus = in.delta_softplus;
  }
};

}  // namespace merba::cuda
