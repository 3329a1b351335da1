#include "ops/cpu/gelu_cpu.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/ops/empty_like.h>

#include <type_traits>

#include "ops/cpu/gelu_kernel.h"
#include "ops/cpu/cpu_capability.h"

namespace merba::ops::cpu {
namespace {

template <typename T>
const GeluKernels<T>& kernels() {
  if constexpr (std::is_same_v<T, float>) return MERBA_CPU_KERNELS(gelu_kernels_float);
  else return MERBA_CPU_KERNELS(gelu_kernels_double);
}

}  // namespace

at::Tensor gelu_derivative(const at::Tensor& x, const at::Tensor& y) {
  at::Tensor d = at::empty_like(x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gelu_derivative", [&] {
    const auto& k = kernels<scalar_t>();
    const scalar_t* xp = x.const_data_ptr<scalar_t>();
    const scalar_t* yp = y.const_data_ptr<scalar_t>();
    scalar_t* dp = d.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, x.numel(), 32768, [&](int64_t begin, int64_t end) { k.derivative(xp, yp, dp, begin, end); });
  });
  return d;
}

}  // namespace merba::ops::cpu
