// Backward selective scan for short sequences (L ≤ 64, N ∈ {8, 16}), with the forward's mapping
// (scan_short_forward_kernel.cuh): one thread per channel, the whole state in registers.
//
// Grid: x = batch row b. The block owns the whole row and walks its channels one tile at a time, so that
// dB and dC — sums over all channels of the row — are finished inside the block, in a fixed order: no
// atomics, no zero-filled buffers, no conversion afterwards (they are written once, in the inputs' dtype).
// Per tile:
//  1. stage u, delta, z and the output gradient (and, once per row, B and C) through shared memory, from either
//     layout (length-major or channels-last, ScanParams);
//  2. left to right from h = 0, recompute the states, keeping the state at the start of every segment of
//     S = 64/N steps (the checkpoints), and y; from them the gradient reaching y through the gate (in the
//     output gradient's slot) and dz (in z's slot);
//  3. right to left, segment by segment: recompute the segment's S states from its checkpoint into
//     registers, then run the state gradient dh_l = gy_l·C_l + exp(Δ_{l+1}·A)·dh_{l+1} back through them,
//     accumulating dA, du, dΔ in registers; each step's 2N contributions to dB and dC are summed over the
//     tile's channels (the block is one warp, a channel per lane) by warp_transpose_sum, and the lanes holding
//     the sums add them to the row's dB, dC in shared memory, tile after tile — a fixed order, and no shared
//     partials (they were 16 KB of the block's 41, and shared memory per block is what limits the warps an SM
//     holds: docs/gpu.md);
//  4. write du (u's slot), dΔ (delta's slot) and dz out coalesced, and the per-row parts of dA, dD and
//     d_delta_bias (summed over the batch by the caller).
//
// A header so that tests can also run the kernel on the CPU (tests/cuda_emulation); scan_backward.cu
// instantiates and launches it.
#pragma once

#include "cuda/scan_device.cuh"
#include "cuda/scan_launch_config.h"
#include "cuda/scan_params.h"
#include "cuda/scan_short_step.cuh"
#include "cuda/scan_short_tile.cuh"

namespace merba::cuda {

// kChannelsLast is p.channels_last (see the forward). Launch bounds of one block per SM leave ptxas no occupancy
// target to trade registers for spills against: left to itself it held the channels-last float N = 16 kernel to
// 168 registers (three warps per SM sub-partition) and spilled, where shared memory admits only 7 such blocks per SM.
template <typename T, int kN, bool kChannelsLast>
__global__ void __launch_bounds__(kShortBackwardTile, 1)
    scan_short_backward_kernel(const ScanParams p, const ScanBackwardBuffers g) {
  using Acc = compute_t<T>;
  constexpr int kSeg = ShortScanLayout::segment_for(kN);
  constexpr int kMaxSegments = (kShortMaxLen + kSeg - 1) / kSeg;
  const int tile = blockDim.x, t = threadIdx.x, len = static_cast<int>(p.len), dim = static_cast<int>(p.dim);
  constexpr int kSums = 2 * kN;                     // a step's dB and dC contributions
  constexpr int kLanesPerSum = 32 / kSums;          // lanes that end up holding each sum
  static_assert(kShortBackwardTile == 32, "the tile is one warp: dB and dC are summed with warp shuffles");
  const ShortScanLayout layout(tile, len, kN, /*backward=*/true, /*has_z=*/p.z != nullptr, /*row_tiles=*/true);
  Acc* shared = dynamic_shared<Acc>();
  Acc *u_s = shared + layout.u, *delta_s = shared + layout.delta, *grad_s = shared + layout.grad;
  Acc* z_s = layout.z < 0 ? nullptr : shared + layout.z;  // no tile without a gate
  const Acc *B_s = shared + layout.B, *C_s = shared + layout.C;
  Acc* dBC_s = shared + layout.grad_bc;  // [l][dB n | dC n]
  const int pitch = layout.pitch, bc_pitch = layout.grad_bc_pitch;
  const int segments = (len + kSeg - 1) / kSeg;
  // Which sum this lane holds after warp_transpose_sum, and whether it adds it (one lane per sum).
  const int own_sum = t / kLanesPerSum;
  const bool adds_sum = t % kLanesPerSum == 0;

  const std::int64_t b = blockIdx.x;
  load_state_projections<T>(p, b, shared + layout.B, shared + layout.C);
  for (int i = t; i < len * bc_pitch; i += tile) dBC_s[i] = Acc(0);

  for (int d0 = 0; d0 < dim; d0 += tile) {
    const int rows = dim - d0 < tile ? dim - d0 : tile;
    // The channel's own parameters first, so that their loads are in flight with the tiles'.
    // Threads past the last channel only meet the barriers and the shuffles.
    const bool active = t < rows;
    const int d = active ? d0 + t : d0;
    const Acc D = p.D ? static_cast<const Acc*>(p.D)[d] : Acc(0);
    const Acc bias = p.delta_bias ? static_cast<const Acc*>(p.delta_bias)[d] : Acc(0);
    // A, not A·log2 e as in the forward: Δ is scaled once per step instead (DecayRate), which spares N registers at
    // the kernel's peak (bf16 with N = 16 spilled with both).
    Acc a[kN], dA[kN], G[kN];
    load_thread_row(static_cast<const Acc*>(p.A) + d * kN, a);
#pragma unroll
    for (int n = 0; n < kN; ++n) {
      dA[n] = G[n] = Acc(0);
    }
    __syncthreads();  // the previous tile's gradients have been written out of the tiles
    load_channel_inputs<kChannelsLast, T>(p, b, d0, rows, pitch, u_s, delta_s, z_s);
    load_channel_rows<kChannelsLast>(p, static_cast<const T*>(g.grad_out) + b * g.grad_out_stride_b, len,
                                     g.grad_out_stride_l, d0, rows, grad_s, pitch);
    wait_for_tile_copies();  // and, in the first tile, B and C
    __syncthreads();

    Acc dD = Acc(0), dbias = Acc(0);
    Acc *row_u = u_s + t * pitch, *row_delta = delta_s + t * pitch, *row_grad = grad_s + t * pitch;
    Acc* row_z = z_s ? z_s + t * pitch : nullptr;

    Acc checkpoint[kMaxSegments][kN];  // the state before each segment's first step
    if (active) {
      Acc h[kN];
#pragma unroll
      for (int n = 0; n < kN; ++n) h[n] = Acc(0);
      for (int l = 0; l < len; ++l) {
        if (l % kSeg == 0) {
#pragma unroll
          for (int n = 0; n < kN; ++n) checkpoint[l / kSeg][n] = h[n];
        }
        const Acc x = row_delta[l] + bias, dt = p.delta_softplus ? softplus(x) : x;
        row_delta[l] = dt;  // Δ once: the recompute and the reverse sweep read it back
        const Acc u = row_u[l];
        const Acc y = advance_state(h, a, DecayRate::scale(dt), dt * u, B_s + l * kN, C_s + l * kN);
        const Acc go = row_grad[l];
        Acc gy = go;
        if (p.z) {
          // out = pre·silu(z): d/dz = pre·σ(z)·(1 + z·(1 − σ(z))), and y receives go·silu(z).
          const Acc zl = row_z[l], s = sigmoid(zl), pre = y + D * u;
          row_z[l] = go * pre * s * (Acc(1) + zl * (Acc(1) - s));
          gy = go * zl * s;
        }
        row_grad[l] = gy;
        dD += gy * u;
      }
    }

    for (int s = segments - 1; s >= 0; --s) {
      const int l0 = s * kSeg;
      Acc hs[kSeg][kN];  // the states after each of the segment's steps
#pragma unroll
      for (int k = 0; k < kSeg; ++k) {
#pragma unroll
        for (int n = 0; n < kN; ++n) hs[k][n] = Acc(0);
        const int l = l0 + k;
        if (active && l < len) {
          const Acc dt = row_delta[l], dtu = dt * row_u[l], dt_scaled = DecayRate::scale(dt);
          Acc Bl[kN];
          load_aligned_row(B_s + l * kN, Bl);
#pragma unroll
          for (int n = 0; n < kN; ++n) {
            const Acc before = k > 0 ? hs[k - 1][n] : checkpoint[s][n];
            hs[k][n] = DecayRate::decay(dt_scaled, a[n]) * before + dtu * Bl[n];
          }
        }
      }
#pragma unroll
      for (int k = kSeg - 1; k >= 0; --k) {
        const int l = l0 + k;
        if (l >= len) continue;  // the same for the whole warp: every lane meets the shuffles below
        Acc sums[kSums];         // this channel's contributions to dB[l][n] (n < N), then to dC[l][n]
        if (active) {
          const Acc u = row_u[l], dt = row_delta[l], dtu = dt * u, gy = row_grad[l];
          const Acc dt_scaled = DecayRate::scale(dt);
          // Read as needed, not as whole rows: this step's registers are the kernel's peak.
          const Acc *Bl = B_s + l * kN, *Cl = C_s + l * kN;
          // With w = exp(Δa)·h_prev and S = Σ dh·B: dΔ = Σ a·dh·w + u·S, du = D·gy + Δ·S, dA_n += Δ·dh·w, which
          // shares dh·w and dh·B between them (11 instructions per state instead of 15).
          Acc ddt_decay = Acc(0), S = Acc(0);
#pragma unroll
          for (int n = 0; n < kN; ++n) {
            const Acc decay = DecayRate::decay(dt_scaled, a[n]);
            const Acc h_prev = k > 0 ? hs[k - 1][n] : checkpoint[s][n];
            const Acc dh = gy * Cl[n] + G[n];
            const Acc dh_w = dh * (decay * h_prev);
            ddt_decay += a[n] * dh_w;
            dA[n] += dt * dh_w;
            S += dh * Bl[n];
            sums[n] = dh * dtu;
            sums[kN + n] = gy * hs[k][n];
            G[n] = decay * dh;
          }
          const Acc ddt = ddt_decay + u * S, du = gy * D + dt * S;
          const Acc ddelta = ddt * (p.delta_softplus ? softplus_grad_from_value(dt) : Acc(1));
          dbias += ddelta;
          row_u[l] = du;          // u is not read again: du takes its slot
          row_delta[l] = ddelta;  // likewise delta
        } else {
#pragma unroll
          for (int j = 0; j < kSums; ++j) sums[j] = Acc(0);
        }
        // Over the tile's channels; one lane per sum adds it, so no two lanes touch the same word.
        const Acc sum = warp_transpose_sum(sums, t);
        MERBA_SHARED_PHASE();
        if (adds_sum) {
          MERBA_SHARED_ACCESS(dBC_s + l * bc_pitch + own_sum, sizeof(Acc));
          dBC_s[l * bc_pitch + own_sum] += sum;
        }
      }
    }
    __syncthreads();  // every lane's du and dΔ are in the tiles

    if (active) {
      const std::int64_t bd = b * dim + d;
      if (g.dD) static_cast<Acc*>(g.dD)[bd] = dD;
      if (g.ddelta_bias) static_cast<Acc*>(g.ddelta_bias)[bd] = dbias;
      store_thread_row(dA, static_cast<Acc*>(g.dA) + bd * kN);
    }
    store_channel_rows<kChannelsLast>(p, static_cast<T*>(g.du), b, d0, rows, u_s, pitch);
    store_channel_rows<kChannelsLast>(p, static_cast<T*>(g.ddelta), b, d0, rows, delta_s, pitch);
    if (g.dz) store_channel_rows<kChannelsLast>(p, static_cast<T*>(g.dz), b, d0, rows, z_s, pitch);
  }

  __syncthreads();
  const std::int64_t bc = b * kN * len;  // (b, 0, 0) in the (B, N, L) dB and dC
  // (N, L) from the [l][n] rows one element per thread, consecutive threads along l: coalesced in global memory,
  // and in shared memory rows of 2N + 1 put them in different banks (16-byte packs along l would not).
  auto write_out = [&](void* grad, const Acc* rows) {  // rows: dB's or dC's column of the [l][dB | dC] rows
    MERBA_SHARED_PHASE();
    for (TileWalk w(t, tile, len); w.row < kN; w.next()) {  // (n, l) = (w.row, w.col)
      MERBA_SHARED_ACCESS(rows + w.col * bc_pitch + w.row, sizeof(Acc));
      static_cast<T*>(grad)[bc + w.row * len + w.col] = from_compute<T>(rows[w.col * bc_pitch + w.row]);
    }
  };
  write_out(g.dB, dBC_s);
  write_out(g.dC, dBC_s + kN);
}

}  // namespace merba::cuda
