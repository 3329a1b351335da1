// Forward selective scan (spec §3) on CUDA: the kernel.
//
// Grid: x = batch row b, y = group of channels; a group of kLanes lanes (8, or the whole warp for L > 64;
// see lanes_per_channel) scans one channel d. The sequence is processed in chunks of kLanes × kItemsPerLane
// steps (the whole of MERba's 49–196-token windows is one chunk); each lane owns up to kItemsPerLane
// consecutive steps of a chunk. For every state index n the lanes compose their steps into one affine map,
// a shuffle scan of those maps gives each lane the state at the start of its span, and the lane then
// replays its steps, accumulating y = Σ_n h·C in registers. The state after each chunk is carried to the
// next one (and saved for the backward when asked).
//
// A header so that tests can also run the kernel on the CPU (tests/cuda_emulation); scan_forward.cu
// instantiates and launches it.
#pragma once

#include "cuda/scan_channel.cuh"
#include "cuda/scan_device.cuh"
#include "cuda/scan_params.h"

namespace merba::cuda {

template <typename T, int kLanes>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    scan_forward_kernel(const ScanParams p, const ScanForwardBuffers buf) {
  using Acc = compute_t<T>;
  constexpr int kItems = kItemsPerLane, kChunk = kLanes * kItems;
  constexpr int kChannels = ScanChannel<T, kLanes>::kChannels;
  // The state after the previous chunk, per channel of the block and state index.
  __shared__ Acc carried[kChannels][kMaxDState];

  const auto [lane, slot, b, d, active, u, delta, z, B, C, A, D, bias, row] = ScanChannel<T, kLanes>(p);
  T* out = static_cast<T*>(buf.out) + row;
  Acc* pregate = buf.pregate ? static_cast<Acc*>(buf.pregate) + row : nullptr;
  const std::int64_t chunks = (p.len + kChunk - 1) / kChunk;
  Acc* states = buf.states ? static_cast<Acc*>(buf.states) + (b * p.dim + d) * chunks * p.dstate : nullptr;

  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t l0 = c * kChunk;
    const int chunk_len = static_cast<int>(p.len - l0 < kChunk ? p.len - l0 : kChunk);
    const LaneSpan span(chunk_len, lane, kLanes);
    const std::int64_t base = l0 + span.first;

    Acc u_k[kItems], dt_k[kItems], y_k[kItems];
#pragma unroll
    for (int k = 0; k < kItems; ++k) {
      u_k[k] = dt_k[k] = y_k[k] = Acc(0);
      if (k < span.count) {
        u_k[k] = to_compute(u[base + k]);
        const Acc x = to_compute(delta[base + k]) + bias;
        dt_k[k] = p.delta_softplus ? softplus(x) : x;
      }
    }

    for (int n = 0; n < p.dstate; ++n) {
      const Acc rate = DecayRate::scale(A[n]);
      Acc decay[kItems], input[kItems];
      Acc map_p = Acc(1), map_q = Acc(0);  // this lane's steps as h ↦ map_p·h + map_q
#pragma unroll
      for (int k = 0; k < kItems; ++k) {
        decay[k] = Acc(1);
        input[k] = Acc(0);
        if (k < span.count) {
          decay[k] = DecayRate::decay(dt_k[k], rate);
          input[k] = dt_k[k] * to_compute(B[n * p.B_stride_n + (base + k) * p.B_stride_l]) * u_k[k];
          map_q = decay[k] * map_q + input[k];
          map_p = decay[k] * map_p;
        }
      }
      warp_scan_maps_forward<kLanes>(map_p, map_q, lane);
      const Acc h_chunk_start = c == 0 ? Acc(0) : carried[slot][n];
      // The state after this lane's span; the previous lane's is the state at the start of this one's.
      const Acc h_span_end = map_p * h_chunk_start + map_q;
      Acc h = __shfl_up_sync(kFullMask, h_span_end, 1, kLanes);
      if (lane == 0) h = h_chunk_start;
#pragma unroll
      for (int k = 0; k < kItems; ++k) {
        if (k < span.count) {
          h = decay[k] * h + input[k];
          y_k[k] += h * to_compute(C[n * p.C_stride_n + (base + k) * p.C_stride_l]);
        }
      }
      const Acc h_chunk_end = __shfl_sync(kFullMask, h_span_end, kLanes - 1, kLanes);
      __syncwarp();  // every lane has read carried[slot][n] before lane 0 replaces it
      if (lane == 0) {
        carried[slot][n] = h_chunk_end;
        if (states && active) states[c * p.dstate + n] = h_chunk_end;
      }
      __syncwarp();
    }

#pragma unroll
    for (int k = 0; k < kItems; ++k) {
      if (active && k < span.count) {
        Acc o = y_k[k] + D * u_k[k];
        if (pregate) pregate[base + k] = o;
        if (z) {
          const Acc g = to_compute(z[base + k]);
          o *= g * sigmoid(g);
        }
        out[base + k] = from_compute<T>(o);
      }
    }
  }
}

}  // namespace merba::cuda
