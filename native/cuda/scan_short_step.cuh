// The step both short kernels take along L (the forward, and the backward's left-to-right recompute): one thread's
// channel, its whole state h[0..N) in registers.
#pragma once

#include "cuda/scan_device.cuh"
#include "cuda/scan_short_tile.cuh"

namespace merba::cuda {

// h ← exp(Δ·A) ⊙ h + Δu·B_l, returning y_l = Σ_n h_n·C_l,n. B_row and C_row are step l's rows of the staged B and C
// ([l][n], 16-byte aligned: read as whole 16-byte pieces, a broadcast to the warp); dt and rate are the pair
// DecayRate::decay takes (Δ and A·log2 e, or Δ·log2 e and A).
template <int kN, typename Acc>
__device__ __forceinline__ Acc advance_state(Acc (&h)[kN], const Acc (&rate)[kN], Acc dt, Acc dtu, const Acc* B_row,
                                             const Acc* C_row) {
  Acc Bl[kN], Cl[kN];
  load_aligned_row(B_row, Bl);
  load_aligned_row(C_row, Cl);
  Acc y = Acc(0);
#pragma unroll
  for (int n = 0; n < kN; ++n) {
    h[n] = DecayRate::decay(dt, rate[n]) * h[n] + dtu * Bl[n];
    y += h[n] * Cl[n];
  }
  return y;
}

}  // namespace merba::cuda
