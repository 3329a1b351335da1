// Fused CPU kernels of the selective scan (spec §3). This file is compiled once per instruction set
// (CMake defines MERBA_ISA_NAMESPACE and the ISA flags); scan_cpu.cpp picks the variant at run time.
//
// One (b, d) row at a time: the state h (N values) lives in registers, the sequence is walked once
// (forward) or twice (backward: recompute, then reverse), and no (B, D, L, N) tensor ever exists. Within a
// step the d_state loop is innermost and contiguous and runs on 8-lane vectors; per-step scalars (softplus,
// SiLU, the output) are computed for the whole row in separate passes, eight steps at a time.
#include "ops/cpu/scan_kernel.h"
#include "ops/cpu/scan_math.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#ifndef MERBA_ISA_NAMESPACE
#error "MERBA_ISA_NAMESPACE must name the instruction-set variant this unit is compiled for"
#endif

namespace merba::ops::cpu::MERBA_ISA_NAMESPACE {
namespace {

// Δ for one row: delta + delta_bias, then softplus; with dt_grad, also dΔ/d(delta).
template <typename T>
void row_delta(const ScanInputs<T>& in, const T* delta_row, T bias, T* dt, T* dt_grad) {
  if (!in.delta_softplus) {
    for (std::int64_t l = 0; l < in.len; ++l) dt[l] = delta_row[l] + bias;
    if (dt_grad) std::fill(dt_grad, dt_grad + in.len, T(1));
    return;
  }
  for_vector_blocks<T>(0, in.len, [&]<typename V>(std::int64_t l) {
    const V x = load<V>(delta_row + l) + Lanes<V>::splat(bias);
    V grad;
    store(dt + l, softplus(x, dt_grad ? &grad : nullptr));
    if (dt_grad) store(dt_grad + l, grad);
  });
}

// Scratch for one task, sized once per call.
template <typename T>
struct RowScratch {
  std::vector<T> dt, dt_grad, y, gy, h, dA_exp, state;
  // Per-step 8-lane partial sums, reduced eight steps at a time after the sweep (vector paths only).
  std::vector<float> partial_a, partial_b;
  RowScratch(std::int64_t L, std::int64_t N, bool backward)
      : dt(L), dt_grad(backward ? L : 0), y(L), gy(backward ? L : 0),
        h(backward ? L * N : 0), dA_exp(backward ? L * N : 0), state(N), partial_a(L * 8),
        partial_b(backward ? L * 8 : 0) {}
};

// The state's lane groups: kN / 8 vectors when d_state is a multiple of 8 known at compile time (MERba
// uses 8 or 16); otherwise the general loop below.
template <typename T, int kN>
constexpr bool kVectorState = std::is_same_v<T, float> && kN > 0 && kN % 8 == 0;

// The recurrence for one row: y_l for every step and h_L in last_state. With h_trace/a_trace (backward),
// also h_l and exp(Δ_l·A) for every step.
template <typename T, int kN>
void row_scan(const ScanInputs<T>& in, std::int64_t b, std::int64_t d, const T* dt, const T* u_row, T* y,
              T* last_state, T* h_trace, T* a_trace, float* partial) {
  const std::int64_t L = in.len;
  const std::int64_t N = kN > 0 ? kN : in.dstate;
  const T* A_row = in.A + d * N;
  const T* B_rows = in.B + b * L * N;
  const T* C_rows = in.C + b * L * N;
  if constexpr (kVectorState<T, kN>) {
    constexpr int kV = kN / 8;
    Vec8f A[kV], h[kV];
    for (int j = 0; j < kV; ++j) {
      A[j] = load<Vec8f>(A_row + 8 * j);
      h[j] = Lanes<Vec8f>::splat(0.0f);
    }
    for (std::int64_t l = 0; l < L; ++l) {
      const Vec8f dt_l = Lanes<Vec8f>::splat(dt[l]);
      const Vec8f du_l = Lanes<Vec8f>::splat(dt[l] * u_row[l]);
      Vec8f acc = Lanes<Vec8f>::splat(0.0f);
      for (int j = 0; j < kV; ++j) {
        const std::int64_t at = l * kN + 8 * j;
        const Vec8f a = exp_fast(dt_l * A[j]);
        h[j] = a * h[j] + du_l * load<Vec8f>(B_rows + at);
        acc += h[j] * load<Vec8f>(C_rows + at);
        if (h_trace) {
          store(h_trace + at, h[j]);
          store(a_trace + at, a);
        }
      }
      store(partial + l * 8, acc);
    }
    row_sums8(partial, L, y);
    for (int j = 0; j < kV; ++j) store(last_state + 8 * j, h[j]);
  } else {
    T* state = last_state;
    std::fill(state, state + N, T(0));
    for (std::int64_t l = 0; l < L; ++l) {
      const T dt_l = dt[l];
      const T du_l = dt_l * u_row[l];
      const T* B_l = B_rows + l * N;
      const T* C_l = C_rows + l * N;
      T acc = T(0);
      for (std::int64_t n = 0; n < N; ++n) {
        const T a = exp_fast(dt_l * A_row[n]);
        const T h = a * state[n] + du_l * B_l[n];
        state[n] = h;
        acc += h * C_l[n];
        if (h_trace) {
          h_trace[l * N + n] = h;
          a_trace[l * N + n] = a;
        }
      }
      y[l] = acc;
    }
  }
}

template <typename T, int kN>
void forward_rows_n(const ScanInputs<T>& in, const ScanForwardOutputs<T>& out, std::int64_t begin,
                    std::int64_t end) {
  const std::int64_t L = in.len, N = in.dstate;
  RowScratch<T> s(L, N, /*backward=*/false);
  for (std::int64_t row = begin; row < end; ++row) {
    const std::int64_t b = row / in.dim, d = row % in.dim;
    const T* u_row = in.u + b * in.u_stride_b + d * in.u_stride_d;
    const T* delta_row = in.delta + b * in.delta_stride_b + d * in.delta_stride_d;
    const T bias = in.delta_bias ? in.delta_bias[d] : T(0);
    row_delta(in, delta_row, bias, s.dt.data(), static_cast<T*>(nullptr));
    row_scan<T, kN>(in, b, d, s.dt.data(), u_row, s.y.data(), s.state.data(), nullptr, nullptr,
                    s.partial_a.data());

    // out = (y + D·u)·SiLU(z)
    T* out_row = out.out + row * L;
    const T skip = in.D ? in.D[d] : T(0);
    const T* y = s.y.data();
    const T* z_row = in.z ? in.z + b * in.z_stride_b + d * in.z_stride_d : nullptr;
    for_vector_blocks<T>(0, L, [&]<typename V>(std::int64_t l) {
      V o = load<V>(y + l) + Lanes<V>::splat(skip) * load<V>(u_row + l);
      if (z_row) {
        const V zl = load<V>(z_row + l);
        o = o * (zl * sigmoid(zl));
      }
      store(out_row + l, o);
    });
    if (out.last_state) std::copy(s.state.begin(), s.state.end(), out.last_state + row * N);
  }
}

// One step of the reverse sweep for one lane group (V = Vec8f or T). Returns nothing; accumulates into
// ddt/dub (per-step sums over n) and dA, and updates dh in place. See backward_row for the math.
template <typename V, typename T>
inline void reverse_step(V& dh, V& ddt, V& dub, V& dA, const V& A, const V& a, const V& h, const V& h_prev,
                         const V& B, const V& C, T gy_l, T dt_l, T u_l, T* dB, T* dC) {
  using L = Lanes<V>;
  const V dh_n = dh + L::splat(gy_l) * C;
  store(dC, load<V>(dC) + L::splat(gy_l) * h);
  const V t = dh_n * h_prev * a;
  ddt += t * A + dh_n * B * L::splat(u_l);
  dA += t * L::splat(dt_l);
  dub += dh_n * B;
  store(dB, load<V>(dB) + dh_n * L::splat(dt_l * u_l));
  dh = dh_n * a;
}

// Backward of one row, given the upstream gradient g of `out`. Notation as in the spec:
//   h_l = a_l ⊙ h_{l−1} + Δ_l·u_l·B_l,  a_l = exp(Δ_l·A),  y_l = Σ_n h_l·C_l,  out = (y + D·u)·SiLU(z).
// Walking l downwards with dh = ∂L/∂h_l (including what flows back from step l+1):
//   ∂L/∂Δ_l = Σ_n dh·(h_{l−1}·a_l·A + u_l·B_l),  ∂L/∂A += Σ_l dh·h_{l−1}·a_l·Δ_l,
//   ∂L/∂u_l += Δ_l·Σ_n dh·B_l,  ∂L/∂B_l += dh·Δ_l·u_l,  ∂L/∂C_l += gy_l·h_l,  dh ← dh ⊙ a_l.
template <typename T, int kN>
void backward_row(const ScanInputs<T>& in, const ScanBackwardOutputs<T>& out, const ScanTaskAccumulators<T>& acc,
                  std::int64_t b, std::int64_t d, T* dB_rows, T* dC_rows, RowScratch<T>& s) {
  const std::int64_t L = in.len;
  const std::int64_t N = kN > 0 ? kN : in.dstate;
  const std::int64_t row = b * in.dim + d;
  const T* u_row = in.u + b * in.u_stride_b + d * in.u_stride_d;
  const T* delta_row = in.delta + b * in.delta_stride_b + d * in.delta_stride_d;
  const T bias = in.delta_bias ? in.delta_bias[d] : T(0);
  T* dt = s.dt.data();
  T* dt_grad = s.dt_grad.data();
  T* y = s.y.data();
  T* gy = s.gy.data();
  row_delta(in, delta_row, bias, dt, dt_grad);
  row_scan<T, kN>(in, b, d, dt, u_row, y, s.state.data(), s.h.data(), s.dA_exp.data(), s.partial_a.data());

  // Through the output gate and the skip connection: gy = ∂L/∂y, dz, dD, and the skip part of du.
  const T* g = out.grad_out + row * L;
  T* du_row = out.du + row * L;
  const T skip = in.D ? in.D[d] : T(0);
  const T* z_row = in.z ? in.z + b * in.z_stride_b + d * in.z_stride_d : nullptr;
  T* dz_row = in.z ? out.dz + row * L : nullptr;
  for_vector_blocks<T>(0, L, [&]<typename V>(std::int64_t l) {
    using Ln = Lanes<V>;
    const V gl = load<V>(g + l);
    V gyl = gl;
    if (z_row) {
      const V zl = load<V>(z_row + l);
      const V sig = sigmoid(zl);
      const V pre = load<V>(y + l) + Ln::splat(skip) * load<V>(u_row + l);
      store(dz_row + l, gl * pre * sig * (Ln::splat(1) + zl * (Ln::splat(1) - sig)));
      gyl = gl * zl * sig;
    }
    store(gy + l, gyl);
    store(du_row + l, gyl * Ln::splat(skip));
  });
  T dD = T(0);
  for (std::int64_t l = 0; l < L; ++l) dD += gy[l] * u_row[l];
  if (acc.dD) acc.dD[d] += dD;

  // Reverse sweep over the sequence.
  const T* A_row = in.A + d * N;
  T* dA_row = acc.dA + d * N;
  const T* B_rows = in.B + b * L * N;
  const T* C_rows = in.C + b * L * N;
  const T* h_all = s.h.data();
  const T* a_all = s.dA_exp.data();
  T* ddelta_row = out.ddelta + row * L;
  T dbias = T(0);
  auto finish_step = [&](std::int64_t l, T ddt, T dub) {
    du_row[l] += dub * dt[l];
    const T ddelta = ddt * dt_grad[l];
    ddelta_row[l] = ddelta;
    dbias += ddelta;
  };
  if constexpr (kVectorState<T, kN>) {
    constexpr int kV = kN / 8;
    using Ln = Lanes<Vec8f>;
    Vec8f A[kV], dA[kV], dh[kV];
    for (int j = 0; j < kV; ++j) {
      A[j] = load<Vec8f>(A_row + 8 * j);
      dA[j] = dh[j] = Ln::splat(0.0f);
    }
    float* ddt_partial = s.partial_a.data();
    float* dub_partial = s.partial_b.data();
    for (std::int64_t l = L - 1; l >= 0; --l) {
      Vec8f ddt = Ln::splat(0.0f), dub = Ln::splat(0.0f);
      for (int j = 0; j < kV; ++j) {
        const std::int64_t at = l * kN + 8 * j;
        const Vec8f h_prev = l > 0 ? load<Vec8f>(h_all + at - kN) : Ln::splat(0.0f);  // h_{-1} = 0
        reverse_step(dh[j], ddt, dub, dA[j], A[j], load<Vec8f>(a_all + at), load<Vec8f>(h_all + at), h_prev,
                     load<Vec8f>(B_rows + at), load<Vec8f>(C_rows + at), gy[l], dt[l], u_row[l], dB_rows + at,
                     dC_rows + at);
      }
      store(ddt_partial + l * 8, ddt);
      store(dub_partial + l * 8, dub);
    }
    // The per-step sums over n, eight steps at a time, into the y and gy buffers (no longer needed).
    row_sums8(ddt_partial, L, y);
    row_sums8(dub_partial, L, gy);
    for (std::int64_t l = 0; l < L; ++l) finish_step(l, y[l], gy[l]);
    for (int j = 0; j < kV; ++j) store(dA_row + 8 * j, load<Vec8f>(dA_row + 8 * j) + dA[j]);
  } else {
    T* dh = s.state.data();
    std::fill(dh, dh + N, T(0));
    for (std::int64_t l = L - 1; l >= 0; --l) {
      T ddt = T(0), dub = T(0);
      for (std::int64_t n = 0; n < N; ++n) {
        const std::int64_t at = l * N + n;
        const T h_prev = l > 0 ? h_all[at - N] : T(0);
        reverse_step(dh[n], ddt, dub, dA_row[n], A_row[n], a_all[at], h_all[at], h_prev, B_rows[at], C_rows[at],
                     gy[l], dt[l], u_row[l], dB_rows + at, dC_rows + at);
      }
      finish_step(l, ddt, dub);
    }
  }
  if (acc.ddelta_bias) acc.ddelta_bias[d] += dbias;
}

template <typename T, int kN>
void backward_items_n(const ScanInputs<T>& in, const ScanBackwardOutputs<T>& out,
                      const ScanTaskAccumulators<T>& acc, std::int64_t begin, std::int64_t end) {
  const std::int64_t L = in.len, N = in.dstate;
  const std::int64_t per_group = (in.dim + out.groups - 1) / out.groups;
  RowScratch<T> s(L, N, /*backward=*/true);
  for (std::int64_t item = begin; item < end; ++item) {
    const std::int64_t b = item / out.groups, g = item % out.groups;
    // dB/dC of (b, g) are written by this item only: no two threads share a slot.
    T* dB_rows = out.dB + (g * in.batch + b) * L * N;
    T* dC_rows = out.dC + (g * in.batch + b) * L * N;
    const std::int64_t d_end = std::min(in.dim, (g + 1) * per_group);
    for (std::int64_t d = g * per_group; d < d_end; ++d) {
      backward_row<T, kN>(in, out, acc, b, d, dB_rows, dC_rows, s);
    }
  }
}

// MERba uses d_state 8 (default) or 16; other sizes take the general path.
template <typename T>
void forward_rows(const ScanInputs<T>& in, const ScanForwardOutputs<T>& out, std::int64_t begin,
                  std::int64_t end) {
  switch (in.dstate) {
    case 8: return forward_rows_n<T, 8>(in, out, begin, end);
    case 16: return forward_rows_n<T, 16>(in, out, begin, end);
    default: return forward_rows_n<T, 0>(in, out, begin, end);
  }
}

template <typename T>
void backward_items(const ScanInputs<T>& in, const ScanBackwardOutputs<T>& out,
                    const ScanTaskAccumulators<T>& acc, std::int64_t begin, std::int64_t end) {
  switch (in.dstate) {
    case 8: return backward_items_n<T, 8>(in, out, acc, begin, end);
    case 16: return backward_items_n<T, 16>(in, out, acc, begin, end);
    default: return backward_items_n<T, 0>(in, out, acc, begin, end);
  }
}

}  // namespace

const ScanKernels<float>& scan_kernels_float() {
  static const ScanKernels<float> kernels{&forward_rows<float>, &backward_items<float>};
  return kernels;
}

const ScanKernels<double>& scan_kernels_double() {
  static const ScanKernels<double> kernels{&forward_rows<double>, &backward_items<double>};
  return kernels;
}

}  // namespace merba::ops::cpu::MERBA_ISA_NAMESPACE
