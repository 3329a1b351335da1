// GELU's derivative from its input and output, eight floats at a time. Compiled once per instruction set
// (CMake defines MERBA_ISA_NAMESPACE and the flags); gelu_cpu.cpp dispatches.
#include "ops/cpu/gelu_kernel.h"
#include "ops/cpu/scan_math.h"

#include <type_traits>

#ifndef MERBA_ISA_NAMESPACE
#error "MERBA_ISA_NAMESPACE must name the instruction-set variant this unit is compiled for"
#endif

namespace merba::ops::cpu::MERBA_ISA_NAMESPACE {
namespace {

constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // φ(0) = 1/√(2π)

// Below this |x|, y/x loses digits to y's rounding; Φ(x) = 0.5 + x·φ(0) is exact in float there.
constexpr float kLinearBelow = 1e-6f;

template <typename V, typename T>
inline V derivative_at(V x, V y) {
  using L = Lanes<V>;
  const V phi = exp_fast(L::splat(T(-0.5)) * x * x) * L::splat(T(kInvSqrt2Pi));
  const V ax = x < L::splat(T(0)) ? -x : x;
  const V cdf = ax < L::splat(T(kLinearBelow)) ? L::splat(T(0.5)) + x * L::splat(T(kInvSqrt2Pi)) : y / x;
  return cdf + x * phi;
}

template <typename T>
void derivative(const T* x, const T* y, T* d, std::int64_t begin, std::int64_t end) {
  for_vector_blocks<T>(begin, end, [&]<typename V>(std::int64_t i) {
    store(d + i, derivative_at<V, T>(load<V>(x + i), load<V>(y + i)));
  });
}

}  // namespace

const GeluKernels<float>& gelu_kernels_float() {
  static const GeluKernels<float> kernels{&derivative<float>};
  return kernels;
}

const GeluKernels<double>& gelu_kernels_double() {
  static const GeluKernels<double> kernels{&derivative<double>};
  return kernels;
}

}  // namespace merba::ops::cpu::MERBA_ISA_NAMESPACE
