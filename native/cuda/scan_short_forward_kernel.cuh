// Forward selective scan (spec §3) for short sequences (L ≤ 64, N ∈ {8, 16}: MERba's 7×7 windows).
//
// Grid: x = batch row b, y = tile of channels; one thread per channel runs along L with the whole state
// h[0..N) in registers — no shuffles, no carried state, N independent recurrences per thread for the
// scheduler to overlap. The block stages the row's B and C through shared memory (16-byte asynchronous copies where
// the layout allows: see scan_short_tile.cuh). Length-major, it stages its tile of u, delta and z too, so that global
// memory is read coalesced, once, and the output goes back into delta's slot of the tile (consumed by then) for the
// block to write out coalesced; channels-last, a warp's channels of a step are contiguous, so each thread reads its
// inputs and writes its output in the step loop (below). Per step a thread computes Δ (softplus), Δ·u once, then for
// every n one exp2, two FMAs and one more for y. Offsets within a batch row are 32-bit (the launcher checks they fit).
//
// Saves nothing for the backward: the short backward recomputes the states from h = 0 (a short sequence
// is one segment of registers away). Writes the last state when asked.
//
// A header so that tests can also run the kernel on the CPU (tests/cuda_emulation); scan_forward.cu
// instantiates and launches it.
#pragma once

#include <type_traits>

#include "cuda/scan_device.cuh"
#include "cuda/scan_launch_config.h"
#include "cuda/scan_params.h"
#include "cuda/scan_short_step.cuh"
#include "cuda/scan_short_tile.cuh"

namespace merba::cuda {

// How many steps ahead the channels-last forward loads u, delta and z into registers.
constexpr int kShortForwardAhead = 4;

// kChannelsLast is p.channels_last, a template parameter so that each kernel holds the code of one layout only
// (with both behind a run-time branch ptxas spilled in half precision). Length-major, u, delta and z are staged
// through shared memory and the output leaves through delta's tile. Channels-last, a warp's 32 channels of a step
// are contiguous in global memory, so each thread reads its channel's u, delta and z in the step loop, a few steps
// ahead (kShortForwardAhead), and writes its output there too: only B and C go through shared memory (3.1 KiB at
// L = 49, N = 8, against 15.3 KiB), which raises the blocks an SM holds, and there is no write-out pass.
//
// Launch bounds: length-major, at least 8 blocks of 64 threads per SM (up to 128 registers; shared memory holds 13
// one-warp blocks at most anyway), without which ptxas held bf16 N = 16 to 72 registers and spilled; channels-last,
// ptxas's own choice (0, as if absent), which gives float N = 8 78 registers: 24 one-warp blocks per SM, more than
// MERba's shape fills (15.5 per SM). Bounding it to 64 (16 blocks of 64 threads) spills; cuda_kernel_resources fails
// above 80, where it would drop to 20.
template <typename T, int kN, bool kChannelsLast>
__global__ void __launch_bounds__(kShortForwardTile, kChannelsLast ? 0 : 8)
    scan_short_forward_kernel(const ScanParams p, const ScanForwardBuffers buf) {
  using Acc = compute_t<T>;
  const int tile = blockDim.x, t = threadIdx.x, len = static_cast<int>(p.len);
  const ShortScanLayout layout(tile, len, kN, /*backward=*/false, /*has_z=*/p.z != nullptr,
                               /*row_tiles=*/!kChannelsLast);
  Acc* shared = dynamic_shared<Acc>();
  const Acc *B_s = shared + layout.B, *C_s = shared + layout.C;

  const std::int64_t b = blockIdx.x;
  const int d0 = static_cast<int>(blockIdx.y) * tile;
  const int rows = p.dim - d0 < tile ? static_cast<int>(p.dim - d0) : tile;
  // The channel's own parameters first, so that their loads are in flight with the tiles'.
  const bool active = t < rows;
  const int d = active ? d0 + t : d0;
  const Acc D = p.D ? static_cast<const Acc*>(p.D)[d] : Acc(0);
  const Acc bias = p.delta_bias ? static_cast<const Acc*>(p.delta_bias)[d] : Acc(0);
  Acc rate[kN];
  load_thread_row(static_cast<const Acc*>(p.A) + d * kN, rate);

  // Step l from its u, delta (before the bias) and gate: the state update, and the output. Whether there is a gate is
  // a compile-time tag (std::bool_constant), so that the step loops below hold no per-step check of it: the kernel
  // branches once, to one of two copies of its loop.
  Acc h[kN];
  const bool softplus_delta = p.delta_softplus;
  auto step = [&](int l, Acc u, Acc x, Acc g, auto gated) {
    const Acc dt = softplus_delta ? softplus(x + bias) : x + bias;
    const Acc o = advance_state(h, rate, dt, dt * u, B_s + l * kN, C_s + l * kN) + D * u;
    if constexpr (decltype(gated)::value) {
      return o * (g * sigmoid(g));
    } else {
      return o;
    }
  };
  auto start_state = [&] {
#pragma unroll
    for (int n = 0; n < kN; ++n) {
      rate[n] = DecayRate::scale(rate[n]);
      h[n] = Acc(0);
    }
  };

  if constexpr (kChannelsLast) {
    // This thread's channel: the next step to fetch of u, delta and z (steps are fetched in order, so each pointer
    // just moves on by its stride), and the step to write of the (B, L, D)-contiguous output.
    const T* u = static_cast<const T*>(p.u) + b * p.u_stride_b + d;
    const T* delta = static_cast<const T*>(p.delta) + b * p.delta_stride_b + d;
    const T* z = p.z ? static_cast<const T*>(p.z) + b * p.z_stride_b + d : nullptr;
    const std::int64_t su = p.u_stride_l, sdelta = p.delta_stride_l, sz = p.z_stride_l, dim = p.dim;
    T* out = static_cast<T*>(buf.out) + b * p.dim * p.len + d;
    // A ring of the next kShortForwardAhead steps' inputs, indexed by l % kShortForwardAhead: the step loops are
    // unrolled by that much, so that every index is known at compile time and the ring stays in registers.
    T u_ahead[kShortForwardAhead], x_ahead[kShortForwardAhead], z_ahead[kShortForwardAhead];
    auto fetch = [&](int slot, auto gated) {
      u_ahead[slot] = *u;
      x_ahead[slot] = *delta;
      u += su;
      delta += sdelta;
      if constexpr (decltype(gated)::value) {
        z_ahead[slot] = *z;
        z += sz;
      }
    };
    if (active) {
#pragma unroll
      for (int k = 0; k < kShortForwardAhead && k < len; ++k) {  // in flight while B and C arrive
        if (z) {
          fetch(k, std::true_type{});
        } else {
          fetch(k, std::false_type{});
        }
      }
    }
    load_state_projections<T>(p, b, shared + layout.B, shared + layout.C);
    wait_for_tile_copies();
    __syncthreads();
    if (!active) return;
    start_state();
    auto run = [&](auto gated) {
      // Step l from its slot k of the ring, which then takes step l + kShortForwardAhead when `refill`.
      auto take = [&](int k, int l, bool refill) {
        const Acc ul = to_compute(u_ahead[k]), xl = to_compute(x_ahead[k]);
        Acc gl = Acc(0);
        if constexpr (decltype(gated)::value) gl = to_compute(z_ahead[k]);
        if (refill) fetch(k, gated);  // step l + kShortForwardAhead
        *out = from_compute<T>(step(l, ul, xl, gl, gated));
        out += dim;
      };
      int l0 = 0;
      // While a whole round of steps and of their refills is in range, no step checks either (at L = 49: 44 steps).
      for (; l0 + 2 * kShortForwardAhead <= len; l0 += kShortForwardAhead) {
#pragma unroll
        for (int k = 0; k < kShortForwardAhead; ++k) take(k, l0 + k, true);
      }
      for (; l0 < len; l0 += kShortForwardAhead) {
#pragma unroll
        for (int k = 0; k < kShortForwardAhead; ++k) {
          const int l = l0 + k;
          if (l < len) take(k, l, l + kShortForwardAhead < len);
        }
      }
    };
    if (z) {
      run(std::true_type{});
    } else {
      run(std::false_type{});
    }
  } else {
    Acc *u_s = shared + layout.u, *delta_s = shared + layout.delta;
    Acc* z_s = layout.z < 0 ? nullptr : shared + layout.z;  // no tile without a gate
    const int pitch = layout.pitch;
    load_channel_inputs<false, T>(p, b, d0, rows, pitch, u_s, delta_s, z_s);
    load_state_projections<T>(p, b, shared + layout.B, shared + layout.C);
    wait_for_tile_copies();
    __syncthreads();
    if (active) {
      start_state();
      Acc* row_u = u_s + t * pitch;
      Acc* row_delta = delta_s + t * pitch;  // the output goes into delta's slot
      if (z_s) {
        const Acc* row_z = z_s + t * pitch;
        for (int l = 0; l < len; ++l) row_delta[l] = step(l, row_u[l], row_delta[l], row_z[l], std::true_type{});
      } else {
        for (int l = 0; l < len; ++l) row_delta[l] = step(l, row_u[l], row_delta[l], Acc(0), std::false_type{});
      }
    }
    __syncthreads();
    store_rows(static_cast<T*>(buf.out) + (b * p.dim + d0) * len, rows, len, delta_s, pitch);
  }
  if (active && buf.states) {  // (B, D, 1, N): one chunk
    Acc* last = static_cast<Acc*>(buf.states) + (b * p.dim + d) * kN;
#pragma unroll
    for (int n = 0; n < kN; ++n) last[n] = h[n];
  }
}

}  // namespace merba::cuda
