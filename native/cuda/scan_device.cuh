// Device-side building blocks shared by the forward and backward scan kernels: element conversions, the
// scalar math of spec §3, and scans of affine maps over the lanes that share a channel.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace merba::cuda {

// Arithmetic and state type for an element type: float, except double for double.
template <typename T>
struct ComputeType {
  using type = float;
};
template <>
struct ComputeType<double> {
  using type = double;
};
template <typename T>
using compute_t = typename ComputeType<T>::type;

__device__ __forceinline__ float to_compute(float x) { return x; }
__device__ __forceinline__ double to_compute(double x) { return x; }
__device__ __forceinline__ float to_compute(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_compute(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T>
__device__ __forceinline__ T from_compute(compute_t<T> x);
template <>
__device__ __forceinline__ float from_compute<float>(float x) { return x; }
template <>
__device__ __forceinline__ double from_compute<double>(double x) { return x; }
template <>
__device__ __forceinline__ __half from_compute<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_compute<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// Accurate (not --use_fast_math) exp: the kernels must stay within 1e-5 of the plain-ops reference.
__device__ __forceinline__ float exp_of(float x) { return expf(x); }
__device__ __forceinline__ double exp_of(double x) { return exp(x); }
__device__ __forceinline__ float log1p_of(float x) { return log1pf(x); }
__device__ __forceinline__ double log1p_of(double x) { return log1p(x); }

// 2^x as the hardware's ex2.approx.ftz: one MUFU.EX2 (≤ 2 ulp). exp2f is the same instruction without .ftz, which
// ptxas wraps in a compare and two predicated multiplies per call (scaling arguments below −126 so that subnormal
// results survive): three instructions of overhead on each of the N per step. Subnormal results (2^x < 2^−126, a
// state's decay past e^−87) are 0 instead: they change h by under 1.2e-38 of its value. On the CPU (the SIMT
// emulator) plain exp2f.
__device__ __forceinline__ float exp2_flush_subnormal(float x) {
#if defined(__CUDA_ARCH__)
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
#else
  return exp2f(x);
#endif
}

// a / b for b in [1, 4] and a in [0, 1]: the hardware reciprocal (≤ 1 ulp) and one correction step, which leaves the
// quotient within an ulp. The IEEE division (div.rn) adds a range check and a branch to a slow path per call, which
// no such operands need. On the CPU plain division.
__device__ __forceinline__ float divide_in_unit_range(float a, float b) {
#if defined(__CUDA_ARCH__)
  float r;
  asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(b));
  const float q = a * r;
  return fmaf(fmaf(-b, q, a), r, q);
#else
  return a / b;
#endif
}

// exp(Δ·a) for every (step, state index) — the scan's one transcendental per state update. In float it is
// exp2(Δ·(a·log2 e)) with a·log2 e computed once per state index (or Δ·log2 e once per step: scale is a product):
// one hardware instruction (exp2_flush_subnormal), where expf needs a multi-instruction range reduction. In double
// (gradcheck) plain exp.
struct DecayRate {
  __device__ __forceinline__ static float scale(float a) { return a * 1.4426950408889634f; }
  __device__ __forceinline__ static double scale(double a) { return a; }
  __device__ __forceinline__ static float decay(float dt, float scaled) { return exp2_flush_subnormal(dt * scaled); }
  __device__ __forceinline__ static double decay(double dt, double scaled) { return exp(dt * scaled); }
};

template <typename Acc>
__device__ __forceinline__ Acc sigmoid(Acc x) {
  return Acc(1) / (Acc(1) + exp_of(-x));
}

// softplus with β = 1 and threshold 20, as torch.nn.functional.softplus.
template <typename Acc>
__device__ __forceinline__ Acc softplus(Acc x) {
  return x > Acc(20) ? x : log1p_of(exp_of(x));
}

// Its derivative, sigmoid(x), and 1 above the threshold.
template <typename Acc>
__device__ __forceinline__ Acc softplus_grad(Acc x) {
  return x > Acc(20) ? Acc(1) : sigmoid(x);
}

// The same derivative from softplus's value s = log(1 + eˣ) instead of x: sigmoid(x) = 1 − e^(−s), as −expm1(−s),
// exact for small s. The short backward keeps only Δ = s and saves two softplus evaluations per step. Above the
// threshold s = x > 20 and the derivative is 1 (softplus(20) itself is 20 + 2e-9, also past it: there the plain
// formula would give sigmoid(20) = 1 − 2e-9, a relative difference of 2e-9).
template <typename Acc>
__device__ __forceinline__ Acc softplus_grad_from_value(Acc s) {
  return s > Acc(20) ? Acc(1) : -expm1(-s);
}

// Float overloads of softplus and softplus_grad_from_value (chosen over the templates above for float): a few ulp
// from log1p(exp(x)) and −expm1(−s) at about a third of their instructions. In the PTX, log1pf(expf(x)) is about 65
// instructions, half of the short forward's work per step, and expm1f about 35. Both rest on exp2, one hardware
// instruction (≤ 2 ulp), where expf, log1pf and expm1f reduce their arguments in software. Checked against double
// precision by the emulated test (on the CPU, whose exp2f is exact to an ulp and whose division is exact; the GPU's
// exp2 adds its 2 ulp and divide_in_unit_range under 1).
constexpr float kLog2E = 1.4426950408889634f;
constexpr float kLog2ELow = 1.925963033500011e-8f;  // log2 e − kLog2E
constexpr float kLn2 = 0.6931471805599453f;

// e^(−m) for m ≥ 0 as 2^(−m·log2 e), with the rounding of that product put back: for m up to 40 the rounded
// product alone is off by up to 3e-6, twenty-odd ulp of the result. The residual r (exact by fmaf, plus log2 e's low
// part) is tiny, so 2^r = 1 + r·ln 2. Where e^(−m) underflows to 0 (m = +inf or past the float range, where r is
// NaN or infinite) the result is 0, as expf gives; NaN stays NaN. On a GPU subnormal results are 0 as well
// (exp2_flush_subnormal; m > 87.3): softplus(x) is then 0 below x = −87.3, where log1p(eˣ) is under 2^−126.
__device__ __forceinline__ float exp_neg(float m) {
  const float p = -m * kLog2E;
  const float r = fmaf(-m, kLog2E, -p) - m * kLog2ELow;
  const float e = exp2_flush_subnormal(p);
  return e == 0.0f ? 0.0f : fmaf(e, r * kLn2, e);
}

// log(1 + e) for e ∈ [0, 1]: 2·atanh(z) with z = e / (2 + e) ∈ [0, 1/3], its odd series to z¹³ (the next term is
// under 2e-8 of the sum); no cancellation for small e, where log(1 + e) ≈ e.
__device__ __forceinline__ float log1p_unit(float e) {
  const float z = divide_in_unit_range(e, 2.0f + e), z2 = z * z;
  float series = 1.0f / 13.0f;
  series = fmaf(series, z2, 1.0f / 11.0f);
  series = fmaf(series, z2, 1.0f / 9.0f);
  series = fmaf(series, z2, 1.0f / 7.0f);
  series = fmaf(series, z2, 1.0f / 5.0f);
  series = fmaf(series, z2, 1.0f / 3.0f);
  series = fmaf(series, z2, 1.0f);
  return 2.0f * z * series;
}

// softplus(x) = max(x, 0) + log(1 + e^(−|x|)), and x above the threshold 20 (as torch).
__device__ __forceinline__ float softplus(float x) {
  if (x > 20.0f) return x;
  return fmaxf(x, 0.0f) + log1p_unit(exp_neg(fabsf(x)));
}

// 1 − e^(−s) for s ≥ 0, and 1 above the threshold 20: the Taylor series to s⁸ below 1/2 (the next term is under
// 2e-8 of the sum), 1 − exp2 above it, where e^(−s) ≤ 0.61 costs the subtraction under two bits.
__device__ __forceinline__ float softplus_grad_from_value(float s) {
  if (s > 20.0f) return 1.0f;
  if (s >= 0.5f) return 1.0f - exp_neg(s);
  // s·(1 − s/2·(1 − s/3·(1 − … (1 − s/8))))
  float t = 1.0f - s * (1.0f / 8.0f);
  t = 1.0f - s * (1.0f / 7.0f) * t;
  t = 1.0f - s * (1.0f / 6.0f) * t;
  t = 1.0f - s * (1.0f / 5.0f) * t;
  t = 1.0f - s * (1.0f / 4.0f) * t;
  t = 1.0f - s * (1.0f / 3.0f) * t;
  t = 1.0f - s * (1.0f / 2.0f) * t;
  return s * t;
}

constexpr unsigned kFullMask = 0xffffffffu;

// The recurrence h ← a·h + b over a lane's span of steps is one affine map h ↦ p·h + q. The scans below
// compose the maps of a channel's kLanes lanes so that every lane learns the state at the start of its span
// (forward) or the gradient arriving at the end of its span (backward) in log2(kLanes) shuffle rounds.

// Inclusive scan in lane order over groups of kLanes lanes (one channel each): afterwards lane i of a group
// holds map_i ∘ … ∘ map_0 (lane 0's map applied first).
template <int kLanes, typename Acc>
__device__ __forceinline__ void warp_scan_maps_forward(Acc& p, Acc& q, int lane) {
#pragma unroll
  for (int offset = 1; offset < kLanes; offset <<= 1) {
    const Acc p_before = __shfl_up_sync(kFullMask, p, offset, kLanes);
    const Acc q_before = __shfl_up_sync(kFullMask, q, offset, kLanes);
    if (lane >= offset) {
      q = p * q_before + q;
      p = p * p_before;
    }
  }
}

// Inclusive scan in reverse lane order: afterwards lane i holds map_i ∘ … ∘ map_last (the last lane's first).
template <int kLanes, typename Acc>
__device__ __forceinline__ void warp_scan_maps_reverse(Acc& p, Acc& q, int lane) {
#pragma unroll
  for (int offset = 1; offset < kLanes; offset <<= 1) {
    const Acc p_after = __shfl_down_sync(kFullMask, p, offset, kLanes);
    const Acc q_after = __shfl_down_sync(kFullMask, q, offset, kLanes);
    if (lane + offset < kLanes) {
      q = p * q_after + q;
      p = p * p_after;
    }
  }
}

// The sum over a group of kLanes lanes, in every lane of the group.
template <int kLanes, typename Acc>
__device__ __forceinline__ Acc group_sum(Acc x) {
#pragma unroll
  for (int offset = kLanes / 2; offset > 0; offset >>= 1) x += __shfl_xor_sync(kFullMask, x, offset, kLanes);
  return x;
}

// One round of warp_transpose_sum: a lane holding 2·kHalf partial sums keeps the half its `kOffset` bit selects,
// adds its partner's copy of that half, and continues with kHalf. Recursive in the template so that every index into
// v is a constant (a loop over the rounds left the inner loop's bound unknown when nvcc unrolled it, and v in local
// memory).
template <int kHalf, int kOffset, int kV, typename Acc>
__device__ __forceinline__ void transpose_sum_round(Acc (&v)[kV], int lane) {
  const bool upper = (lane & kOffset) != 0;
#pragma unroll
  for (int j = 0; j < kHalf; ++j) {
    // Both read, then chosen: a choice between the elements themselves is a choice between their addresses.
    const Acc lower_value = v[j], upper_value = v[j + kHalf];
    const Acc send = upper ? lower_value : upper_value;
    const Acc keep = upper ? upper_value : lower_value;
    v[j] = keep + __shfl_xor_sync(kFullMask, send, kOffset);
  }
  if constexpr (kHalf > 1) transpose_sum_round<kHalf / 2, kOffset / 2>(v, lane);
}

// Sums over a whole warp of kV values per lane (kV a power of two, 2 ≤ kV ≤ 32), kV − 1 + log2(32 / kV) shuffles in
// all instead of 5·kV for kV separate group sums. Each round halves what a lane holds: the lane keeps one half (the
// upper if its offset bit is set), sends the other to its partner and adds the partner's copy of the kept half.
// After log2(kV) rounds (offsets 16, 8, …) lane i holds the sum of value i / (32 / kV) over the lanes that agree
// with it in the bits below those offsets; the remaining rounds add across them. The order of the additions is
// fixed: the same inputs give the same bits on every run. Returns lane i's sum; `v` is spent.
template <int kV, typename Acc>
__device__ __forceinline__ Acc warp_transpose_sum(Acc (&v)[kV], int lane) {
  static_assert(kV >= 2 && kV <= 32 && (kV & (kV - 1)) == 0, "kV: a power of two from 2 to 32");
  transpose_sum_round<kV / 2, 16>(v, lane);
  Acc sum = v[0];
#pragma unroll
  for (int offset = 16 / kV; offset > 0; offset /= 2) sum += __shfl_xor_sync(kFullMask, sum, offset);
  return sum;
}

// The span of one chunk's steps that a lane owns: `count` consecutive steps from `first` (chunk-relative).
// Spans tile [0, chunk_len) in lane order; trailing lanes may own none (their maps are the identity).
struct LaneSpan {
  int first, count;
  __device__ LaneSpan(int chunk_len, int lane, int lanes) {
    const int per_lane = (chunk_len + lanes - 1) / lanes;
    first = lane * per_lane;
    const int left = chunk_len - first;
    count = left <= 0 ? 0 : (left < per_lane ? left : per_lane);
  }
};

}  // namespace merba::cuda
