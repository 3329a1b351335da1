#include "ops/cpu/conv_silu_cpu.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <type_traits>

#include "ops/cpu/conv_silu_kernel.h"
#include "ops/cpu/cpu_capability.h"

namespace merba::ops::cpu {
namespace {

template <typename T>
const ConvSiluKernels<T>& kernels() {
  if constexpr (std::is_same_v<T, float>) return MERBA_CPU_KERNELS(conv_silu_kernels_float);
  else return MERBA_CPU_KERNELS(conv_silu_kernels_double);
}

ConvSiluShape shape_of(const at::Tensor& x, const at::Tensor& weight_t) {
  return ConvSiluShape{x.size(1), x.size(2), weight_t.size(0)};
}

// Rows per task so that each task handles at least ~16k elements.
int64_t grain_for(const ConvSiluShape& s) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.len * s.channels)); }

}  // namespace

at::Tensor conv_silu_forward(const at::Tensor& x, const at::Tensor& weight_t) {
  at::Tensor y = at::empty_like(x);
  const ConvSiluShape s = shape_of(x, weight_t);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "conv_silu_forward", [&] {
    const auto& k = kernels<scalar_t>();
    const scalar_t* xp = x.const_data_ptr<scalar_t>();
    const scalar_t* wp = weight_t.const_data_ptr<scalar_t>();
    scalar_t* yp = y.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, x.size(0), grain_for(s),
                     [&](int64_t begin, int64_t end) { k.forward_rows(s, xp, wp, yp, begin, end); });
  });
  return y;
}

ConvSiluGradients conv_silu_backward(const at::Tensor& x, const at::Tensor& weight_t, const at::Tensor& grad_y) {
  const ConvSiluShape s = shape_of(x, weight_t);
  const int64_t rows = x.size(0);
  // A fixed split into tasks, each with its own weight-gradient slot, summed at the end: the result does
  // not depend on how the thread pool schedules them.
  const int64_t tasks =
      at::in_parallel_region() ? 1 : std::clamp<int64_t>(rows / grain_for(s), 1, at::get_num_threads());
  ConvSiluGradients g;
  g.gx = at::empty_like(x);
  const at::Tensor slots = at::zeros({tasks, s.width, s.channels}, x.options());
  const at::Tensor gy = grad_y.contiguous();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "conv_silu_backward", [&] {
    const auto& k = kernels<scalar_t>();
    const scalar_t* xp = x.const_data_ptr<scalar_t>();
    const scalar_t* wp = weight_t.const_data_ptr<scalar_t>();
    const scalar_t* gyp = gy.const_data_ptr<scalar_t>();
    scalar_t* gxp = g.gx.mutable_data_ptr<scalar_t>();
    scalar_t* slot = slots.mutable_data_ptr<scalar_t>();
    const int64_t slot_size = s.width * s.channels;
    at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        k.backward_rows(s, xp, wp, gyp, gxp, slot + t * slot_size, rows * t / tasks, rows * (t + 1) / tasks);
      }
    });
  });
  g.gweight_t = tasks == 1 ? slots[0] : slots.sum(0);
  return g;
}

}  // namespace merba::ops::cpu
