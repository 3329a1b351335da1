// Element-wise math for the CPU kernels (scan, conv + SiLU, GELU), written once for a scalar float and for
// Vec8f (eight float lanes) so that both the scalar tails and the vector bodies compute bit-identical
// values. No branches, no libm calls, no errno: the vector forms compile to straight-line SIMD code.
//
// float: Cephes-style range reduction + polynomials (~2 ulp over the ranges the scan uses; the tests hold
// the kernels to 1e-5 of LibTorch's own exp/log1p). double: libm, because double exists for gradcheck,
// where accuracy matters and speed does not.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

// Everything here lives in the kernel unit's own instruction-set namespace: the same inline function compiled
// with and without AVX2 must not become one symbol the linker picks for both variants.
#ifndef MERBA_ISA_NAMESPACE
#error "scan_math.h is for the kernel units compiled once per instruction set (MERBA_ISA_NAMESPACE)"
#endif

namespace merba::ops::cpu::MERBA_ISA_NAMESPACE {

// Eight float lanes as a GCC/Clang vector type: one ymm register with AVX2, two xmm registers on the
// baseline ISA. The per-step d_state loop is only 8 or 16 long; left to the auto-vectoriser it is often
// unrolled into scalar code or peeled for alignment, so the hot loops use this type explicitly.
typedef float Vec8f __attribute__((vector_size(32)));
typedef std::int32_t Vec8i __attribute__((vector_size(32)));

template <typename V>
struct Lanes;

template <>
struct Lanes<float> {
  using Int = std::int32_t;
  static float splat(float x) { return x; }
  static Int to_int(float x) { return static_cast<Int>(x); }
  static float to_float(Int x) { return static_cast<float>(x); }
};

template <>
struct Lanes<Vec8f> {
  using Int = Vec8i;
  // Vector + scalar broadcasts in registers; an {x, x, …} initialiser can go through the stack on SSE2
  // and stall on store forwarding.
  static Vec8f splat(float x) { return Vec8f{} + x; }
  static Vec8i to_int(Vec8f x) { return __builtin_convertvector(x, Vec8i); }
  static Vec8f to_float(Vec8i x) { return __builtin_convertvector(x, Vec8f); }
};

template <typename To, typename From>
inline To bit_cast(const From& from) {
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

template <>
struct Lanes<double> {
  static double splat(double x) { return x; }
};

// Loads and stores of one lane group at p (unaligned); V is float, double or Vec8f.
template <typename V, typename T>
inline V load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename V, typename T>
inline void store(T* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

inline float hsum(Vec8f v) { return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7])); }

// exp(x). Inputs below -87.3 give ~1e-38 instead of 0 and inputs above 88.7 saturate at ~3e38; the scan
// only exponentiates Δ·A ≤ 0 and softplus/SiLU arguments, where neither end changes results.
template <typename V>
inline V exp_fast(V x) {
  using L = Lanes<V>;
  const V lo = L::splat(-87.33654f), hi = L::splat(88.72283f);
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  // Round x·log2(e) to the nearest integer with the 1.5·2^23 trick (no rounding instruction needed).
  const V shifter = L::splat(12582912.0f);
  const V n = (x * L::splat(1.44269504088896341f) + shifter) - shifter;
  // x − n·ln2 in two parts so that r keeps full precision.
  V r = x - n * L::splat(0.693359375f);
  r = r + n * L::splat(2.12194440e-4f);
  V p = L::splat(1.9875691500e-4f);
  p = p * r + L::splat(1.3981999507e-3f);
  p = p * r + L::splat(8.3334519073e-3f);
  p = p * r + L::splat(4.1665795894e-2f);
  p = p * r + L::splat(1.6666665459e-1f);
  p = p * r + L::splat(5.0000001201e-1f);
  p = p * r * r + r + L::splat(1.0f);
  const typename L::Int e = (L::to_int(n) + 127) << 23;
  return p * bit_cast<V>(e);
}

// log(y) for finite y ≥ 1 (all the scan needs: the argument is 1 + exp(x)).
template <typename V>
inline V log_fast_ge1(V y) {
  using L = Lanes<V>;
  using I = typename L::Int;
  const I bits = bit_cast<I>(y);
  I exponent = ((bits >> 23) & 0xff) - 127;
  // Mantissa in [1, 2), folded into [sqrt(1/2), sqrt(2)) to keep the polynomial's argument small.
  V m = bit_cast<V>(I((bits & 0x007fffff) | 0x3f800000));
  const auto fold = m > L::splat(1.41421356f);
  m = fold ? m * L::splat(0.5f) : m;
  exponent = fold ? exponent + 1 : exponent;
  const V x = m - L::splat(1.0f);
  const V z = x * x;
  V p = L::splat(7.0376836292e-2f);
  p = p * x + L::splat(-1.1514610310e-1f);
  p = p * x + L::splat(1.1676998740e-1f);
  p = p * x + L::splat(-1.2420140846e-1f);
  p = p * x + L::splat(1.4249322787e-1f);
  p = p * x + L::splat(-1.6668057665e-1f);
  p = p * x + L::splat(2.0000714765e-1f);
  p = p * x + L::splat(-2.4999993993e-1f);
  p = p * x + L::splat(3.3333331174e-1f);
  const V fe = L::to_float(exponent);
  V result = x * z * p;
  result = result + fe * L::splat(-2.12194440e-4f);
  result = result - L::splat(0.5f) * z;
  result = x + result;
  return result + fe * L::splat(0.693359375f);
}

// softplus with β = 1 and threshold 20, as torch.nn.functional.softplus, and its derivative sigmoid(x)
// (1 above the threshold), sharing one exp.
template <typename V>
inline V softplus(V x, V* grad = nullptr) {
  using L = Lanes<V>;
  const V one = L::splat(1.0f);
  const V e = exp_fast(x);
  const V u = one + e;
  const V r = one / u;  // the one division
  const V above = L::splat(20.0f);
  if (grad) *grad = x > above ? one : e * r;
  // log1p(e) = log(u) + log(1 + (e − (u − 1))/u) ≈ log(u) + (e − (u − 1))·r: the correction restores what
  // rounding 1 + e lost, so tiny e (where u == 1) gives e exactly, as log1p does.
  const V l = log_fast_ge1(u) + (e - (u - one)) * r;
  return x > above ? x : l;
}

template <typename V>
inline V sigmoid(V x) {
  using L = Lanes<V>;
  return L::splat(1.0f) / (L::splat(1.0f) + exp_fast(-x));
}

// Eight horizontal sums at once: lane k of the result is the sum of the lanes of v[k]. A tree of pairwise
// adds (what vhaddps does) costs about as much as one hsum, so reductions are batched eight at a time.
inline Vec8f hsum8x8(const Vec8f* v) {
  auto hadd = [](Vec8f a, Vec8f b) {
    return __builtin_shufflevector(a, b, 0, 2, 8, 10, 4, 6, 12, 14) +
           __builtin_shufflevector(a, b, 1, 3, 9, 11, 5, 7, 13, 15);
  };
  const Vec8f lo = hadd(hadd(v[0], v[1]), hadd(v[2], v[3]));  // sums of lanes 0–3 and 4–7 of v[0..3]
  const Vec8f hi = hadd(hadd(v[4], v[5]), hadd(v[6], v[7]));
  return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 8, 9, 10, 11) +
         __builtin_shufflevector(lo, hi, 4, 5, 6, 7, 12, 13, 14, 15);
}

// Row sums of an (n, 8) row-major matrix into out[0..n).
inline void row_sums8(const float* m, std::int64_t n, float* out) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    Vec8f block[8];
    for (int k = 0; k < 8; ++k) block[k] = load<Vec8f>(m + (i + k) * 8);
    store(out + i, hsum8x8(block));
  }
  for (; i < n; ++i) out[i] = hsum(load<Vec8f>(m + i * 8));
}

inline double exp_fast(double x) { return std::exp(x); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double softplus(double x, double* grad = nullptr) {
  if (grad) *grad = x > 20.0 ? 1.0 : sigmoid(x);
  return x > 20.0 ? x : std::log1p(std::exp(x));
}

// Calls op.template operator()<V>(i) over i ∈ [begin, end): V = Vec8f for blocks of eight when T is float,
// then V = T for the rest.
template <typename T, typename Op>
inline void for_vector_blocks(std::int64_t begin, std::int64_t end, Op&& op) {
  std::int64_t i = begin;
  if constexpr (std::is_same_v<T, float>) {
    for (; i + 8 <= end; i += 8) op.template operator()<Vec8f>(i);
  }
  for (; i < end; ++i) op.template operator()<T>(i);
}

}  // namespace merba::ops::cpu::MERBA_ISA_NAMESPACE
