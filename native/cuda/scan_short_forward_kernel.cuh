// Forward selective scan (spec §3) for short sequences (L ≤ 64, N ∈ {8, 16}: MERba's 7×7 windows).
//
// Grid: x = batch row b, y = tile of channels; one thread per channel runs along L with the whole state
// h[0..N) in registers — no shuffles, no carried state, N independent recurrences per thread for the
// scheduler to overlap. The block first stages its tile of u, delta and z and the row's B and C through
// shared memory (16-byte asynchronous copies where the layout allows: see scan_short_tile.cuh), so global memory
// is read coalesced, once, in either layout of u, delta and z (length-major or channels-last, ScanParams). Per
// step a thread computes Δ (softplus), Δ·u once, then for every n one exp2, two FMAs and one more for y; the
// output goes back into delta's slot of the tile (consumed by then) and the block writes the tile out coalesced.
// Offsets within a batch row are 32-bit (the launcher checks they fit).
//
// Saves nothing for the backward: the short backward recomputes the states from h = 0 (a short sequence
// is one segment of registers away). Writes the last state when asked.
//
// A header so that tests can also run the kernel on the CPU (tests/cuda_emulation); scan_forward.cu
// instantiates and launches it.
#pragma once

#include "cuda/scan_device.cuh"
#include "cuda/scan_launch_config.h"
#include "cuda/scan_params.h"
#include "cuda/scan_short_tile.cuh"

namespace merba::cuda {

// kChannelsLast is p.channels_last, a template parameter so that each kernel holds the copies of one layout only:
// with both behind a run-time branch ptxas spilled in half precision.
template <typename T, int kN, bool kChannelsLast>
__global__ void __launch_bounds__(kShortForwardTile)
    scan_short_forward_kernel(const ScanParams p, const ScanForwardBuffers buf) {
  using Acc = compute_t<T>;
  const int tile = blockDim.x, t = threadIdx.x, len = static_cast<int>(p.len);
  const ShortScanLayout layout(tile, len, kN, /*backward=*/false, /*has_z=*/p.z != nullptr);
  Acc* shared = dynamic_shared<Acc>();
  Acc *u_s = shared + layout.u, *delta_s = shared + layout.delta;
  Acc* z_s = layout.z < 0 ? nullptr : shared + layout.z;  // no tile without a gate
  const Acc *B_s = shared + layout.B, *C_s = shared + layout.C;
  const int pitch = layout.pitch;

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
  load_channel_inputs<kChannelsLast, T>(p, b, d0, rows, pitch, u_s, delta_s, z_s);
  load_state_projections<T>(p, b, shared + layout.B, shared + layout.C);
  wait_for_tile_copies();
  __syncthreads();

  if (active) {
    Acc h[kN];
#pragma unroll
    for (int n = 0; n < kN; ++n) {
      rate[n] = DecayRate::scale(rate[n]);
      h[n] = Acc(0);
    }
    Acc* row_u = u_s + t * pitch;
    Acc* row_delta = delta_s + t * pitch;
    const Acc* row_z = z_s ? z_s + t * pitch : nullptr;
    for (int l = 0; l < len; ++l) {
      const Acc u = row_u[l], x = row_delta[l] + bias;
      const Acc dt = p.delta_softplus ? softplus(x) : x;
      const Acc dtu = dt * u;
      Acc Bl[kN], Cl[kN];
      load_aligned_row(B_s + l * kN, Bl);
      load_aligned_row(C_s + l * kN, Cl);
      Acc y = Acc(0);
#pragma unroll
      for (int n = 0; n < kN; ++n) {
        h[n] = DecayRate::decay(dt, rate[n]) * h[n] + dtu * Bl[n];
        y += h[n] * Cl[n];
      }
      Acc o = y + D * u;
      if (p.z) {
        const Acc g = row_z[l];
        o *= g * sigmoid(g);
      }
      row_delta[l] = o;  // the output tile, in delta's slot
    }
    if (buf.states) {  // (B, D, 1, N): one chunk
      Acc* last = static_cast<Acc*>(buf.states) + (b * p.dim + d) * kN;
#pragma unroll
      for (int n = 0; n < kN; ++n) last[n] = h[n];
    }
  }
  __syncthreads();
  store_channel_rows<kChannelsLast>(p, static_cast<T*>(buf.out), b, d0, rows, delta_s, pitch);
}

}  // namespace merba::cuda
