// Block-wide copies between global memory and the short kernels' shared-memory tiles, and the block's
// dynamic shared memory. A tile is `rows` rows of `cols` elements; in global memory the columns are
// `col_stride` apart and the rows `row_stride`. When the tile is one contiguous, 16-byte-aligned span
// (col_stride 1, row_stride == cols) — u, delta, z and the gradients in their usual layout — the block moves
// it 16 bytes per load or store, consecutive threads on consecutive vectors; otherwise one element at a
// time, consecutive threads on consecutive columns (coalesced whenever col_stride is 1).
#pragma once

#include <cstdint>

#include "cuda/scan_device.cuh"
#include "cuda/scan_params.h"

namespace merba::cuda {

// The block's dynamic shared memory (sized by the launcher). The SIMT emulator provides its own.
#ifndef MERBA_SIMT_EMULATOR
template <typename Acc>
__device__ __forceinline__ Acc* dynamic_shared() {
  extern __shared__ __align__(16) unsigned char merba_dynamic_shared[];
  return reinterpret_cast<Acc*>(merba_dynamic_shared);
}
#endif

// 16 bytes of T.
template <typename T>
struct alignas(16) Pack16 {
  static constexpr int kSize = 16 / sizeof(T);
  T v[kSize];
};

template <typename T>
__device__ __forceinline__ bool aligned16(const T* p) {
  return (reinterpret_cast<std::uintptr_t>(p) & 15u) == 0;
}

// put(row, col, value) for every element of the tile at `src`, value in the compute type.
template <typename T, typename Put>
__device__ __forceinline__ void load_tile(const T* src, int rows, int cols, int row_stride, int col_stride, Put put) {
  const int count = rows * cols;
  int scalar_from = 0;
  if (col_stride == 1 && row_stride == cols && aligned16(src)) {
    constexpr int kW = Pack16<T>::kSize;
    const int packs = count / kW;
    const Pack16<T>* vec = reinterpret_cast<const Pack16<T>*>(src);
    for (int i = threadIdx.x; i < packs; i += blockDim.x) {
      const Pack16<T> pack = vec[i];
#pragma unroll
      for (int j = 0; j < kW; ++j) {
        const int flat = i * kW + j;
        put(flat / cols, flat % cols, to_compute(pack.v[j]));
      }
    }
    scalar_from = packs * kW;
  }
  for (int flat = scalar_from + threadIdx.x; flat < count; flat += blockDim.x) {
    const int r = flat / cols, c = flat % cols;
    put(r, c, to_compute(src[r * row_stride + c * col_stride]));
  }
}

// dst[row, col] = get(row, col) (compute type, rounded to T) for every element of a tile whose rows are
// `row_stride` apart with unit column stride.
template <typename T, typename Get>
__device__ __forceinline__ void store_tile(T* dst, int rows, int cols, int row_stride, Get get) {
  const int count = rows * cols;
  int scalar_from = 0;
  if (row_stride == cols && aligned16(dst)) {
    constexpr int kW = Pack16<T>::kSize;
    const int packs = count / kW;
    Pack16<T>* vec = reinterpret_cast<Pack16<T>*>(dst);
    for (int i = threadIdx.x; i < packs; i += blockDim.x) {
      Pack16<T> pack;
#pragma unroll
      for (int j = 0; j < kW; ++j) {
        const int flat = i * kW + j;
        pack.v[j] = from_compute<T>(get(flat / cols, flat % cols));
      }
      vec[i] = pack;
    }
    scalar_from = packs * kW;
  }
  for (int flat = scalar_from + threadIdx.x; flat < count; flat += blockDim.x) {
    const int r = flat / cols, c = flat % cols;
    dst[r * row_stride + c] = from_compute<T>(get(r, c));
  }
}

// B or C of one batch row, (N, L) with any strides, into shared memory as [l][n] (a thread at step l reads
// the N values it needs side by side). The loop runs along whichever of n and l has unit stride, so that
// x_proj's strided views (n contiguous) are read coalesced too.
template <typename T, typename Acc>
__device__ __forceinline__ void load_state_projection(const T* src, int dstate, int len, int stride_n, int stride_l,
                                                      Acc* dst) {
  if (stride_n == 1 && stride_l != 1) {
    load_tile(src, len, dstate, stride_l, 1, [&](int l, int n, Acc v) { dst[l * dstate + n] = v; });
  } else {
    load_tile(src, dstate, len, stride_n, stride_l, [&](int n, int l, Acc v) { dst[l * dstate + n] = v; });
  }
}

// A shared tile whose rows are `pitch` elements apart, as load_tile's put and store_tile's get.
template <typename Acc>
__device__ __forceinline__ auto pitched_put(Acc* tile, int pitch) {
  return [tile, pitch](int r, int l, Acc v) { tile[r * pitch + l] = v; };
}
template <typename Acc>
__device__ __forceinline__ auto pitched_get(const Acc* tile, int pitch) {
  return [tile, pitch](int r, int l) { return tile[r * pitch + l]; };
}

// Channels [d0, d0 + rows) of batch row b of u, delta and (when given) z into pitched shared tiles.
template <typename T, typename Acc>
__device__ __forceinline__ void load_channel_inputs(const ScanParams& p, std::int64_t b, int d0, int rows, int pitch,
                                                    Acc* u_tile, Acc* delta_tile, Acc* z_tile) {
  const int len = static_cast<int>(p.len);
  const int u_sd = static_cast<int>(p.u_stride_d), delta_sd = static_cast<int>(p.delta_stride_d);
  load_tile(static_cast<const T*>(p.u) + b * p.u_stride_b + d0 * u_sd, rows, len, u_sd, 1, pitched_put(u_tile, pitch));
  load_tile(static_cast<const T*>(p.delta) + b * p.delta_stride_b + d0 * delta_sd, rows, len, delta_sd, 1,
            pitched_put(delta_tile, pitch));
  if (p.z) {
    const int z_sd = static_cast<int>(p.z_stride_d);
    load_tile(static_cast<const T*>(p.z) + b * p.z_stride_b + d0 * z_sd, rows, len, z_sd, 1,
              pitched_put(z_tile, pitch));
  }
}

// Batch row b's B and C into shared memory as [l][n] each.
template <typename T, typename Acc>
__device__ __forceinline__ void load_state_projections(const ScanParams& p, std::int64_t b, Acc* B_dst, Acc* C_dst) {
  const int dstate = static_cast<int>(p.dstate), len = static_cast<int>(p.len);
  load_state_projection(static_cast<const T*>(p.B) + b * p.B_stride_b, dstate, len, static_cast<int>(p.B_stride_n),
                        static_cast<int>(p.B_stride_l), B_dst);
  load_state_projection(static_cast<const T*>(p.C) + b * p.C_stride_b, dstate, len, static_cast<int>(p.C_stride_n),
                        static_cast<int>(p.C_stride_l), C_dst);
}

}  // namespace merba::cuda
