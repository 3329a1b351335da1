// Backward selective scan on CUDA, the kernel: the gradients of u, delta, A, B, C, D, z and delta_bias.
//
// Same layout as the forward (scan_forward_kernel.cuh): block = (b, group of channels), a group of kLanes
// lanes per channel, each lane owning a span of a chunk. Chunks run last to first. Nothing of size
// (B, D, L, N) is stored: for every state index n a chunk's states are recomputed from the state the forward
// saved at the chunk's start (a shuffle scan, as in the forward), each lane keeping its span's states in
// registers. The gradient flowing back into the state, dh_l = gy_l·C_l + exp(Δ_{l+1}·A)·dh_{l+1}, is an
// affine recurrence run right to left: a reverse shuffle scan gives each lane the gradient arriving at the
// end of its span, and a chunk's result is carried to the previous chunk. dB and dC are summed over the
// block's channels in shared memory and over channel groups with atomics; dA, dD and d_delta_bias are
// written per batch row and summed by the caller (deterministically).
//
// A header so that tests can also run the kernel on the CPU (tests/cuda_emulation); scan_backward.cu
// instantiates and launches it.
#pragma once

#include "cuda/scan_channel.cuh"
#include "cuda/scan_device.cuh"
#include "cuda/scan_params.h"

namespace merba::cuda {

template <typename T, int kLanes>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    scan_backward_kernel(const ScanParams p, const ScanBackwardBuffers g) {
  using Acc = compute_t<T>;
  constexpr int kItems = kItemsPerLane, kChunk = kLanes * kItems;
  constexpr int kChannels = ScanChannel<T, kLanes>::kChannels;
  __shared__ Acc dB_part[kChannels][kChunk];  // one state index's dB over a chunk, per channel
  __shared__ Acc dC_part[kChannels][kChunk];
  __shared__ Acc carried[kChannels][kMaxDState];  // the gradient arriving from the later chunk
  __shared__ Acc dA_sum[kChannels][kMaxDState];

  const auto [lane, slot, b, d, active, u, delta, z, B, C, A, D, bias, row] = ScanChannel<T, kLanes>(p);
  const T* grad_out = static_cast<const T*>(g.grad_out) + row;
  const Acc* pregate = g.pregate ? static_cast<const Acc*>(g.pregate) + row : nullptr;
  T* du_out = static_cast<T*>(g.du) + row;
  T* ddelta_out = static_cast<T*>(g.ddelta) + row;
  T* dz_out = g.dz ? static_cast<T*>(g.dz) + row : nullptr;
  const std::int64_t chunks = (p.len + kChunk - 1) / kChunk;
  const Acc* states = static_cast<const Acc*>(g.states) + (b * p.dim + d) * chunks * p.dstate;
  Acc* dB = static_cast<Acc*>(g.dB) + b * p.dstate * p.len;
  Acc* dC = static_cast<Acc*>(g.dC) + b * p.dstate * p.len;

  for (int n = lane; n < kMaxDState; n += kLanes) {
    carried[slot][n] = Acc(0);
    dA_sum[slot][n] = Acc(0);
  }
  __syncwarp();
  Acc dD_lane = Acc(0), dbias_lane = Acc(0);

  for (std::int64_t c = chunks - 1; c >= 0; --c) {
    const std::int64_t l0 = c * kChunk;
    const int chunk_len = static_cast<int>(p.len - l0 < kChunk ? p.len - l0 : kChunk);
    const LaneSpan span(chunk_len, lane, kLanes);
    const std::int64_t base = l0 + span.first;

    // Per step: inputs, Δ and its softplus derivative, the gradient reaching y (through the z gate), and
    // the gradients of u and Δ summed over the state indices below.
    Acc u_k[kItems], dt_k[kItems], dsoftplus_k[kItems], gy_k[kItems], du_k[kItems], ddt_k[kItems];
#pragma unroll
    for (int k = 0; k < kItems; ++k) {
      u_k[k] = dt_k[k] = gy_k[k] = du_k[k] = ddt_k[k] = Acc(0);
      dsoftplus_k[k] = Acc(1);
      if (k < span.count) {
        const std::int64_t l = base + k;
        u_k[k] = to_compute(u[l]);
        const Acc x = to_compute(delta[l]) + bias;
        dt_k[k] = p.delta_softplus ? softplus(x) : x;
        if (p.delta_softplus) dsoftplus_k[k] = softplus_grad(x);
        const Acc go = active ? to_compute(grad_out[l]) : Acc(0);
        if (z) {
          // out = pre·silu(z): d/dz = pre·σ(z)·(1 + z·(1 − σ(z))), and y receives go·silu(z).
          const Acc zl = to_compute(z[l]);
          const Acc s = sigmoid(zl);
          if (active) dz_out[l] = from_compute<T>(go * pregate[l] * s * (Acc(1) + zl * (Acc(1) - s)));
          gy_k[k] = go * zl * s;
        } else {
          gy_k[k] = go;
        }
        dD_lane += gy_k[k] * u_k[k];
        du_k[k] = gy_k[k] * D;
      }
    }

    for (int n = 0; n < p.dstate; ++n) {
      const Acc a = A[n], rate = DecayRate::scale(a);
      // Recompute this chunk's states for index n from the saved state at its start.
      Acc decay[kItems], B_k[kItems], h_k[kItems];
      Acc map_p = Acc(1), map_q = Acc(0);
#pragma unroll
      for (int k = 0; k < kItems; ++k) {
        decay[k] = Acc(1);
        B_k[k] = Acc(0);
        if (k < span.count) {
          decay[k] = DecayRate::decay(dt_k[k], rate);
          B_k[k] = to_compute(B[n * p.B_stride_n + (base + k) * p.B_stride_l]);
          map_q = decay[k] * map_q + dt_k[k] * B_k[k] * u_k[k];
          map_p = decay[k] * map_p;
        }
      }
      warp_scan_maps_forward<kLanes>(map_p, map_q, lane);
      const Acc h_chunk_start = c == 0 ? Acc(0) : states[(c - 1) * p.dstate + n];
      Acc h_span_start = __shfl_up_sync(kFullMask, map_p * h_chunk_start + map_q, 1, kLanes);
      if (lane == 0) h_span_start = h_chunk_start;
      Acc h = h_span_start;
#pragma unroll
      for (int k = 0; k < kItems; ++k) {
        h_k[k] = Acc(0);
        if (k < span.count) {
          h = decay[k] * h + dt_k[k] * B_k[k] * u_k[k];
          h_k[k] = h;
        }
      }

      // Right to left: with G_l = decay_l·dh_l (what step l passes to step l − 1), G_l = decay_l·(c_l + G_{l+1}).
      Acc C_gy[kItems];
      Acc back_p = Acc(1), back_q = Acc(0);
#pragma unroll
      for (int k = kItems - 1; k >= 0; --k) {
        C_gy[k] = Acc(0);
        if (k < span.count) {
          C_gy[k] = gy_k[k] * to_compute(C[n * p.C_stride_n + (base + k) * p.C_stride_l]);
          back_q = decay[k] * (C_gy[k] + back_q);
          back_p = decay[k] * back_p;
        }
      }
      warp_scan_maps_reverse<kLanes>(back_p, back_q, lane);
      const Acc g_chunk_end = carried[slot][n];
      // What leaves this lane's span to the left; the next lane's is what arrives at this one's right end.
      const Acc g_span_start = back_p * g_chunk_end + back_q;
      const Acc g_chunk_start = __shfl_sync(kFullMask, g_span_start, 0, kLanes);
      Acc G = __shfl_down_sync(kFullMask, g_span_start, 1, kLanes);
      if (lane == kLanes - 1) G = g_chunk_end;
      Acc dA_lane = Acc(0);
#pragma unroll
      for (int k = kItems - 1; k >= 0; --k) {
        if (k < span.count) {
          const Acc dh = C_gy[k] + G;
          const Acc h_prev = k > 0 ? h_k[k - 1] : h_span_start;
          const Acc dh_dt = dh * dt_k[k];
          ddt_k[k] += dh * (a * decay[k] * h_prev + B_k[k] * u_k[k]);
          dA_lane += dh_dt * decay[k] * h_prev;
          du_k[k] += dh_dt * B_k[k];
          dB_part[slot][span.first + k] = dh_dt * u_k[k];
          dC_part[slot][span.first + k] = gy_k[k] * h_k[k];
          G = decay[k] * dh;
        }
      }
      dA_lane = group_sum<kLanes>(dA_lane);
      __syncwarp();  // every lane has read carried[slot][n] before lane 0 replaces it
      if (lane == 0) {
        carried[slot][n] = g_chunk_start;
        dA_sum[slot][n] += dA_lane;
      }

      __syncthreads();
      for (int j = threadIdx.x; j < chunk_len; j += blockDim.x) {
        Acc sum_B = Acc(0), sum_C = Acc(0);
#pragma unroll
        for (int s = 0; s < kChannels; ++s) {
          sum_B += dB_part[s][j];
          sum_C += dC_part[s][j];
        }
        atomicAdd(dB + n * p.len + l0 + j, sum_B);
        atomicAdd(dC + n * p.len + l0 + j, sum_C);
      }
      __syncthreads();  // the parts are rewritten for the next state index
    }

#pragma unroll
    for (int k = 0; k < kItems; ++k) {
      if (k < span.count) {
        const Acc ddelta = ddt_k[k] * dsoftplus_k[k];
        dbias_lane += ddelta;
        if (active) {
          du_out[base + k] = from_compute<T>(du_k[k]);
          ddelta_out[base + k] = from_compute<T>(ddelta);
        }
      }
    }
  }

  dD_lane = group_sum<kLanes>(dD_lane);
  dbias_lane = group_sum<kLanes>(dbias_lane);
  __syncwarp();
  if (active && lane == 0) {
    const std::int64_t bd = b * p.dim + d;
    if (g.dD) static_cast<Acc*>(g.dD)[bd] = dD_lane;
    if (g.ddelta_bias) static_cast<Acc*>(g.ddelta_bias)[bd] = dbias_lane;
    for (int n = 0; n < p.dstate; ++n) static_cast<Acc*>(g.dA)[bd * p.dstate + n] = dA_sum[slot][n];
  }
}

}  // namespace merba::cuda
