// Fused depthwise conv1d ('same' padding) + SiLU on channels-last rows, forward and backward. Compiled
// once per instruction set (CMake defines MERBA_ISA_NAMESPACE and the flags); conv_silu_cpu.cpp dispatches.
//
// Each (l, c) output needs k neighbours along L of the same channel, so the channel axis (contiguous in
// the (N, L, C) layout MERba's in_proj produces) is the vector axis: eight channels per Vec8f.
#include "ops/cpu/conv_silu_kernel.h"
#include "ops/cpu/scan_math.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#ifndef MERBA_ISA_NAMESPACE
#error "MERBA_ISA_NAMESPACE must name the instruction-set variant this unit is compiled for"
#endif

namespace merba::ops::cpu::MERBA_ISA_NAMESPACE {
namespace {

// The convolution's output at (l, c..) of one row, taps in ascending order (the plain-ops order).
template <typename V, typename T>
inline V conv_at(const ConvSiluShape& s, const T* xr, const T* w, std::int64_t l, std::int64_t c) {
  const std::int64_t pad = (s.width - 1) / 2;
  V acc = Lanes<V>::splat(0);
  for (std::int64_t j = 0; j < s.width; ++j) {
    const std::int64_t m = l + j - pad;
    if (m < 0 || m >= s.len) continue;
    acc = acc + load<V>(w + j * s.channels + c) * load<V>(xr + m * s.channels + c);
  }
  return acc;
}

template <typename T>
void forward_rows(const ConvSiluShape& s, const T* x, const T* w, T* y, std::int64_t begin,
                  std::int64_t end) {
  const std::int64_t row = s.len * s.channels;
  for (std::int64_t n = begin; n < end; ++n) {
    const T* xr = x + n * row;
    T* yr = y + n * row;
    for (std::int64_t l = 0; l < s.len; ++l) {
      for_vector_blocks<T>(0, s.channels, [&]<typename V>(std::int64_t c) {
        const V pre = conv_at<V>(s, xr, w, l, c);
        store(yr + l * s.channels + c, pre * sigmoid(pre));
      });
    }
  }
}

template <typename T>
void backward_rows(const ConvSiluShape& s, const T* x, const T* w, const T* gy, T* gx, T* gw,
                   std::int64_t begin, std::int64_t end) {
  const std::int64_t C = s.channels, row = s.len * C, pad = (s.width - 1) / 2;
  std::vector<T> gpre(row);  // dL/d(pre) of one row
  for (std::int64_t n = begin; n < end; ++n) {
    const T* xr = x + n * row;
    const T* gyr = gy + n * row;
    T* gxr = gx + n * row;
    // SiLU'(p) = s(p)·(1 + p·(1 − s(p))).
    for (std::int64_t l = 0; l < s.len; ++l) {
      for_vector_blocks<T>(0, C, [&]<typename V>(std::int64_t c) {
        using Ln = Lanes<V>;
        const V pre = conv_at<V>(s, xr, w, l, c);
        const V sg = sigmoid(pre);
        const V grad = load<V>(gyr + l * C + c) * (sg * (Ln::splat(1) + pre * (Ln::splat(1) - sg)));
        store(gpre.data() + l * C + c, grad);
      });
    }
    // x[m] feeds pre[m − j + pad] through tap j.
    for (std::int64_t m = 0; m < s.len; ++m) {
      for_vector_blocks<T>(0, C, [&]<typename V>(std::int64_t c) {
        V acc = Lanes<V>::splat(0);
        for (std::int64_t j = 0; j < s.width; ++j) {
          const std::int64_t l = m - j + pad;
          if (l < 0 || l >= s.len) continue;
          acc = acc + load<V>(w + j * C + c) * load<V>(gpre.data() + l * C + c);
        }
        store(gxr + m * C + c, acc);
      });
    }
    for (std::int64_t j = 0; j < s.width; ++j) {
      const std::int64_t l_begin = std::max<std::int64_t>(0, pad - j), l_end = std::min(s.len, s.len + pad - j);
      for_vector_blocks<T>(0, C, [&]<typename V>(std::int64_t c) {
        V acc = Lanes<V>::splat(0);
        for (std::int64_t l = l_begin; l < l_end; ++l) {
          acc = acc + load<V>(gpre.data() + l * C + c) * load<V>(xr + (l + j - pad) * C + c);
        }
        store(gw + j * C + c, load<V>(gw + j * C + c) + acc);
      });
    }
  }
}

}  // namespace

const ConvSiluKernels<float>& conv_silu_kernels_float() {
  static const ConvSiluKernels<float> kernels{&forward_rows<float>, &backward_rows<float>};
  return kernels;
}

const ConvSiluKernels<double>& conv_silu_kernels_double() {
  static const ConvSiluKernels<double> kernels{&forward_rows<double>, &backward_rows<double>};
  return kernels;
}

}  // namespace merba::ops::cpu::MERBA_ISA_NAMESPACE
