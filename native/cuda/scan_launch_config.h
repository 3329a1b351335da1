// Which scan kernel runs a given problem, and its launch shape: the one decision that the launchers
// (scan_forward.cu, scan_backward.cu), the CUDA backend (which buffers to allocate) and the CPU emulation
// test (tests/cuda_emulation) share, so that the emulated kernels are the ones a GPU would run.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cuda/scan_params.h"

namespace merba::cuda {

// The two kernel families.
//  * Short: L ≤ 64 and N ∈ {8, 16} (MERba's 7×7 windows): one thread per (batch row, channel) running along L
//    with the whole state in registers; inputs staged through shared memory (scan_short_*_kernel.cuh), from
//    either layout of u, delta and z (ScanParams::channels_last).
//  * Chunked: any L and N ≤ 16: a group of lanes per channel splitting each chunk of the sequence, combined
//    by shuffle scans (scan_forward_kernel.cuh, scan_backward_kernel.cuh); length-major inputs only.
enum class ScanKernel { Chunked, Short };

// What the caller asks for. Auto picks Short where it applies; the others exist so that tests and the
// benchmark can run one family on purpose (Short falls back to Chunked where it does not apply).
enum class ScanKernelChoice { Auto, Chunked, Short };

constexpr std::int64_t kShortMaxLen = 64;
// Channels per block of the short kernels: the forward stages two or three (tile × L) inputs, the backward three or
// four, so the backward's tile is narrower. The backward's tile is one warp, whatever the dtype: it sums dB and dC
// over its lanes with warp shuffles. Double (gradcheck only) halves the forward's.
constexpr int kShortForwardTile = 64;
constexpr int kShortBackwardTile = 32;
// Without opting in, a block may use 48 KiB of shared memory; the launchers opt in above that.
constexpr std::size_t kDefaultSharedLimit = 48 * 1024;

// Whether every in-row offset of the short kernels fits in 32 bits (the batch-row offset stays 64-bit).
inline bool fits_int32(std::int64_t x) { return x >= 0 && x < (std::int64_t(1) << 31); }

inline bool short_kernel_applies(const ScanParams& p) {
  if (p.len > kShortMaxLen || (p.dstate != 8 && p.dstate != 16)) return false;
  const std::int64_t reach_u = p.u_stride_d * p.dim + p.u_stride_l * p.len;
  const std::int64_t reach_delta = p.delta_stride_d * p.dim + p.delta_stride_l * p.len;
  const std::int64_t reach_z = p.z ? p.z_stride_d * p.dim + p.z_stride_l * p.len : 0;
  const std::int64_t reach_B = p.B_stride_n * p.dstate + p.B_stride_l * p.len;
  const std::int64_t reach_C = p.C_stride_n * p.dstate + p.C_stride_l * p.len;
  // The forward's grid has one y block per channel tile (at most 65535); 32 is the narrowest tile.
  const bool grid_fits = (p.dim + 31) / 32 <= 65535;
  return grid_fits && fits_int32(reach_u) && fits_int32(reach_delta) && fits_int32(reach_z) && fits_int32(reach_B) &&
         fits_int32(reach_C) && fits_int32(p.dim * p.len);
}

// The choice the CUDA backend applies to every later scan (default Auto). Set by tests and the benchmark
// to run one family on purpose; thread-safe, defined in cuda_scan_backend.cpp.
void set_scan_kernel_choice(ScanKernelChoice choice);
ScanKernelChoice scan_kernel_choice();

inline ScanKernel scan_kernel_for(const ScanParams& p, ScanKernelChoice choice) {
  return choice != ScanKernelChoice::Chunked && short_kernel_applies(p) ? ScanKernel::Short : ScanKernel::Chunked;
}

// Shared-memory layout of the short kernels, in elements of the compute type, from the start of the
// block's dynamic shared memory. Computed identically by the launcher (for the size) and by the kernel.
// Rows of the (tile × L) tiles are `pitch` apart, an odd number, so that the lanes of a warp, each reading
// its own row at the same step, hit distinct banks.
struct ShortScanLayout {
  int tile, len, dstate, pitch, segment;
  int u, delta, z, grad, B, C, grad_bc, grad_bc_pitch, total;

  // The backward's segment: steps whose states a thread recomputes into registers at once (S × N values).
  __host__ __device__ static constexpr int segment_for(int dstate) { return 64 / dstate; }

  // Without a gate (z), as MERba's mixer calls the scan, no z tile: shared memory per block is what limits how
  // many blocks an SM holds (docs/gpu.md, Nsight Compute), and the z tile was a third of the forward's. Without
  // `row_tiles` (the channels-last forward, which reads u, delta and z in its step loop) only B and C are staged.
  __host__ __device__ ShortScanLayout(int tile_, int len_, int dstate_, bool backward, bool has_z, bool row_tiles)
      : tile(tile_), len(len_), dstate(dstate_), pitch(len_ | 1), segment(segment_for(dstate_)) {
    const int tile_elems = row_tiles ? tile * pitch : 0, bc = len * dstate;
    int at = 0;
    u = at, at += tile_elems;
    delta = at, at += tile_elems;
    z = has_z ? at : -1, at += has_z ? tile_elems : 0;
    grad = backward ? at : -1, at += backward ? tile_elems : 0;
    // B and C 16-byte aligned, and so every [l] row of them (N of 8 or 16 elements): the kernels read a step's row
    // as whole 16-byte pieces (load_aligned_row).
    at = (at + 3) / 4 * 4;
    B = at, at += bc;
    C = at, at += bc;
    // dB and dC side by side as [l][dB n | dC n], a row of 2N + 1: a step's 2N sums land in one row (consecutive
    // words), and written out along l, consecutive threads read rows an odd number of words apart (distinct banks).
    grad_bc_pitch = 2 * dstate + 1;
    grad_bc = backward ? at : -1, at += backward ? len * grad_bc_pitch : 0;
    total = at;
  }
};

// One kernel launch: grid, block, dynamic shared memory.
struct LaunchShape {
  dim3 grid, block;
  std::size_t shared_bytes = 0;
};

inline int short_tile(const ScanParams& p, bool backward) {
  if (backward) return kShortBackwardTile;
  const int widest = kShortForwardTile / (p.dtype == ScanDtype::Float64 ? 2 : 1);
  const int needed = static_cast<int>((p.dim + 31) / 32 * 32);  // whole warps
  return needed < widest ? needed : widest;
}

inline std::size_t compute_size(const ScanParams& p) { return p.dtype == ScanDtype::Float64 ? 8 : 4; }

// Both chunked kernels: block = (batch row, group of channels); see scan_forward_kernel.cuh.
inline LaunchShape chunked_launch_shape(const ScanParams& p) {
  const int channels = channels_per_block(p.len);
  LaunchShape s;
  s.grid = dim3(static_cast<unsigned>(p.batch), static_cast<unsigned>((p.dim + channels - 1) / channels));
  s.block = dim3(kWarpsPerBlock * 32);
  return s;
}

// Forward: block = (batch row, tile of channels).
inline LaunchShape forward_launch_shape(const ScanParams& p, ScanKernel kernel) {
  LaunchShape s;
  if (kernel == ScanKernel::Short) {
    const int tile = short_tile(p, false);
    s.grid = dim3(static_cast<unsigned>(p.batch), static_cast<unsigned>((p.dim + tile - 1) / tile));
    s.block = dim3(static_cast<unsigned>(tile));
    const ShortScanLayout layout(tile, int(p.len), int(p.dstate), false, p.z != nullptr, !p.channels_last);
    s.shared_bytes = layout.total * compute_size(p);
  } else {
    s = chunked_launch_shape(p);
  }
  return s;
}

// Backward: the short kernel's block owns a whole batch row (looping over its channel tiles), so that dB and
// dC — sums over channels — are complete in one block, in a fixed order, without atomics.
inline LaunchShape backward_launch_shape(const ScanParams& p, ScanKernel kernel) {
  LaunchShape s;
  if (kernel == ScanKernel::Short) {
    const int tile = short_tile(p, true);
    s.grid = dim3(static_cast<unsigned>(p.batch));
    s.block = dim3(static_cast<unsigned>(tile));
    const ShortScanLayout layout(tile, int(p.len), int(p.dstate), true, p.z != nullptr, /*row_tiles=*/true);
    s.shared_bytes = layout.total * compute_size(p);
  } else {
    s = chunked_launch_shape(p);
  }
  return s;
}

// Above 48 KiB of dynamic shared memory a kernel must opt in; the attribute is per kernel, and cheap to set.
template <typename Kernel>
cudaError_t allow_shared(Kernel* kernel, std::size_t bytes) {
  if (bytes <= kDefaultSharedLimit) return cudaSuccess;
  return cudaFuncSetAttribute(reinterpret_cast<const void*>(kernel), cudaFuncAttributeMaxDynamicSharedMemorySize,
                              static_cast<int>(bytes));
}

}  // namespace merba::cuda
