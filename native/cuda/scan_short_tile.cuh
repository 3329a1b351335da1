// Block-wide copies between global memory and the short kernels' shared-memory tiles, and the block's
// dynamic shared memory. A tile is `rows` rows of `cols` elements; in global memory the columns are
// `col_stride` apart and the rows `row_stride`. When the tile is one contiguous, 16-byte-aligned span
// (col_stride 1, row_stride == cols) — u, delta, z and the gradients in their usual layout — the block moves
// it 16 bytes per load or store, consecutive threads on consecutive vectors; otherwise one element at a
// time, consecutive threads on consecutive columns (coalesced whenever col_stride is 1).
//
// Shared memory has 32 banks of 4 bytes, and a warp's access costs one wavefront per distinct word in the
// busiest bank (per quarter-warp for 16-byte accesses). A thread that loads 16 bytes from global memory and then
// stores its elements one by one into a tile makes every store instruction of the warp stride 16 bytes: a 4-way
// conflict in fp32 (8-way for half precision widened to float), which Nsight Compute measured on the H200 as 39 %
// excess shared wavefronts in the short forward (docs/gpu.md). Rows of u, delta, z, the output and the gradients
// go through load_rows/store_rows instead: where the tile is unpadded (pitch = L, which holds for MERba's odd
// L = 49) a thread moves its elements as whole 16-byte shared accesses, conflict-free. Channels-last rows (unit stride
// along D, as MERba's mixer has u and delta) go through load/store_channels_last_rows: a thread per channel row.
//
// Where no conversion is needed (T is the compute type: float, double) tiles go from global to shared memory by
// cp.async, without passing through registers: a thread issues all of its copies back to back and waits once
// (wait_for_tile_copies, before the block's barrier). The plain loop loads a value into a register and stores it
// before loading the next, so each thread waits one memory latency per 16 bytes — about 30 waits in a row per
// forward block at MERba's shape before any arithmetic, with one warp per block and 13 blocks per SM to hide them.
// Half precision, which cp.async cannot widen, copies its raw packs the same way and widens them in place
// (widen_through_shared).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "cuda/scan_device.cuh"
#include "cuda/scan_launch_config.h"
#include "cuda/scan_params.h"

// Marks where the threads of a warp move to a new sequence of shared-memory accesses, and records one access:
// the SIMT emulator counts bank conflicts from them (tests/cuda_emulation). Nothing on a GPU.
#ifndef MERBA_SIMT_EMULATOR
#define MERBA_SHARED_PHASE() ((void)0)
#define MERBA_SHARED_ACCESS(address, bytes) ((void)0)
#endif

namespace merba::cuda {

// The block's dynamic shared memory (sized by the launcher). The SIMT emulator provides its own.
#ifndef MERBA_SIMT_EMULATOR
template <typename Acc>
__device__ __forceinline__ Acc* dynamic_shared() {
  extern __shared__ __align__(16) unsigned char merba_dynamic_shared[];
  return reinterpret_cast<Acc*>(merba_dynamic_shared);
}
#endif

// kBytes (4, 8 or 16, aligned to that) from global to shared memory, asynchronously on sm_80 and newer: visible to
// the thread only after wait_for_tile_copies(), to the block after that and a barrier. Below sm_80 a plain copy.
// The SIMT emulator holds the copy back until the thread waits, so that a kernel that reads a tile without waiting
// reads the NaN the emulator fills shared memory with.
template <int kBytes>
__device__ __forceinline__ void copy_to_shared_async(void* shared_dst, const void* global_src) {
  static_assert(kBytes == 4 || kBytes == 8 || kBytes == 16, "cp.async copies 4, 8 or 16 bytes");
#if defined(MERBA_SIMT_EMULATOR)
  ::merba::simt::copy_async(shared_dst, global_src, kBytes);
#elif defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(shared_dst));
  if constexpr (kBytes == 16) {
    // .cg: cached in L2 only; a tile is read once per block.
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(global_src) : "memory");
  } else {
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2;\n" ::"r"(dst), "l"(global_src), "n"(kBytes) : "memory");
  }
#else
  std::memcpy(shared_dst, global_src, kBytes);
#endif
}

// Waits for this thread's copy_to_shared_async copies; a barrier after it makes every thread's visible to the block.
__device__ __forceinline__ void wait_for_tile_copies() {
#if defined(MERBA_SIMT_EMULATOR)
  ::merba::simt::wait_async_copies();
#elif defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_all;\n" ::: "memory");
#endif
}

// Whether tiles of T reach shared memory unconverted, by copy_to_shared_async.
template <typename T>
inline constexpr bool kCopiesAsync = std::is_same_v<T, compute_t<T>>;

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

// One element of T into the shared element dst, in the compute type: by cp.async where no conversion is needed
// (kCopiesAsync), else through a register.
template <typename T>
__device__ __forceinline__ void load_element(compute_t<T>* dst, const T* src) {
  MERBA_SHARED_ACCESS(dst, sizeof(compute_t<T>));
  if constexpr (kCopiesAsync<T>) {
    copy_to_shared_async<sizeof(T)>(dst, src);
  } else {
    *dst = to_compute(*src);
  }
}

// The (row, col) of the flat indices first, first + stride, … of a tile with `cols` columns, without the integer
// division per index that `flat / cols` costs (about 15 instructions on a GPU, against 4 here): the tile loops below
// run a dozen of them per thread and tile.
struct TileWalk {
  int row, col;
  const int cols, row_step, col_step;
  __device__ __forceinline__ TileWalk(int first, int stride, int cols)
      : row(first / cols), col(first % cols), cols(cols), row_step(stride / cols), col_step(stride % cols) {}
  __device__ __forceinline__ void next() {
    row += row_step;
    col += col_step;
    if (col >= cols) {
      col -= cols;
      ++row;
    }
  }
};

// Every element of the tile at `src`, in the compute type, into the shared-memory element at(row, col).
template <typename T, typename At>
__device__ __forceinline__ void load_tile(const T* src, int rows, int cols, int row_stride, int col_stride, At at) {
  const int count = rows * cols;
  int scalar_from = 0;
  MERBA_SHARED_PHASE();
  // Through registers, a 16-byte global load can feed several elements; cp.async copies element by element.
  if constexpr (!kCopiesAsync<T>) {
    if (col_stride == 1 && row_stride == cols && aligned16(src)) {
      constexpr int kW = Pack16<T>::kSize;
      const int packs = count / kW;
      const Pack16<T>* vec = reinterpret_cast<const Pack16<T>*>(src);
      for (int i = threadIdx.x; i < packs; i += blockDim.x) {
        const Pack16<T> pack = vec[i];
        TileWalk walk(i * kW, 1, cols);
#pragma unroll
        for (int j = 0; j < kW; ++j, walk.next()) load_element(at(walk.row, walk.col), &pack.v[j]);
      }
      scalar_from = packs * kW;
    }
    MERBA_SHARED_PHASE();
  }
  // Consecutive threads on consecutive columns: coalesced where col_stride is 1.
  TileWalk walk(scalar_from + threadIdx.x, blockDim.x, cols);
  for (int flat = scalar_from + threadIdx.x; flat < count; flat += blockDim.x, walk.next()) {
    load_element(at(walk.row, walk.col), src + walk.row * row_stride + walk.col * col_stride);
  }
}

// dst[row, col] = get(row, col) (compute type, rounded to T) for every element of a tile whose rows are
// `row_stride` apart with unit column stride.
template <typename T, typename Get>
__device__ __forceinline__ void store_tile(T* dst, int rows, int cols, int row_stride, Get get) {
  const int count = rows * cols;
  int scalar_from = 0;
  MERBA_SHARED_PHASE();
  if (row_stride == cols && aligned16(dst)) {
    constexpr int kW = Pack16<T>::kSize;
    const int packs = count / kW;
    Pack16<T>* vec = reinterpret_cast<Pack16<T>*>(dst);
    for (int i = threadIdx.x; i < packs; i += blockDim.x) {
      Pack16<T> pack;
      TileWalk walk(i * kW, 1, cols);
#pragma unroll
      for (int j = 0; j < kW; ++j, walk.next()) pack.v[j] = from_compute<T>(get(walk.row, walk.col));
      vec[i] = pack;
    }
    scalar_from = packs * kW;
  }
  MERBA_SHARED_PHASE();
  TileWalk walk(scalar_from + threadIdx.x, blockDim.x, cols);
  for (int flat = scalar_from + threadIdx.x; flat < count; flat += blockDim.x, walk.next()) {
    dst[walk.row * row_stride + walk.col] = from_compute<T>(get(walk.row, walk.col));
  }
}

// A shared tile whose rows are `pitch` elements apart, as load_tile's at and store_tile's get.
template <typename Acc>
__device__ __forceinline__ auto pitched_at(Acc* tile, int pitch) {
  return [tile, pitch](int r, int l) { return tile + r * pitch + l; };
}
template <typename Acc>
__device__ __forceinline__ auto pitched_get(const Acc* tile, int pitch) {
  return [tile, pitch](int r, int l) {
    MERBA_SHARED_ACCESS(tile + r * pitch + l, sizeof(Acc));
    return tile[r * pitch + l];
  };
}

// One 16-byte global pack of T in the compute type: kPieces 16-byte shared-memory pieces (2 for half precision
// widened to float, else 1).
template <typename T>
struct SharedPieces {
  using Acc = compute_t<T>;
  static constexpr int kW = Pack16<T>::kSize, kPerPiece = Pack16<Acc>::kSize, kPieces = kW / kPerPiece;
  Pack16<Acc> piece[kPieces];
};

// Which of its two pieces a thread moves first. Lane i's pieces start at byte 32·i: in a quarter-warp (the unit
// of a 16-byte access) lanes i and i + 4 would hit the same banks, so lanes 4–7 of every 8 go the other way round.
__device__ __forceinline__ int first_piece() { return (threadIdx.x >> 2) & 1; }

// Pack i of T, in the compute type, into the shared tile `out` as its kPieces 16-byte pieces (lanes 4–7 of every 8
// in the other order: see first_piece).
template <typename T, typename Acc>
__device__ __forceinline__ void store_widened(Pack16<Acc>* out, int i, const Pack16<T>& pack) {
  using Pieces = SharedPieces<T>;
  Pieces p;
#pragma unroll
  for (int j = 0; j < Pieces::kW; ++j) p.piece[j / Pieces::kPerPiece].v[j % Pieces::kPerPiece] = to_compute(pack.v[j]);
  if constexpr (Pieces::kPieces == 1) {
    MERBA_SHARED_ACCESS(out + i, 16);
    out[i] = p.piece[0];
  } else {
    const int first = first_piece();
    MERBA_SHARED_ACCESS(out + 2 * i + first, 16);
    out[2 * i + first] = first ? p.piece[1] : p.piece[0];
    MERBA_SHARED_ACCESS(out + 2 * i + 1 - first, 16);
    out[2 * i + 1 - first] = first ? p.piece[0] : p.piece[1];
  }
}

// Packs of a staged tile per thread: a tile has at most blockDim.x rows of L ≤ 64 elements, 8 to a pack.
constexpr int kMaxStagedPacks = static_cast<int>(kShortMaxLen) / 8;
static_assert(kShortMaxLen % 16 == 0, "kMaxStagedPacks and widen_through_shared's half of it must be exact");

// Half precision, which cp.async cannot widen: the tile's raw packs go by cp.async into the upper half of its own
// float slot (`packs` 16-byte packs from byte 16·packs), and are then widened in place. Widened pack i takes bytes
// [32·i, 32·i + 32): for i below packs / 2 that is the lower half, which holds no raw pack, so those are widened
// straight away; the upper ones land on raw packs 2·i − packs and 2·i − packs + 1, so each thread first reads its
// upper packs into registers (at most kMaxStagedPacks / 2), and writes them after a barrier. One memory latency per
// tile instead of one per pack, for two barriers. Block-wide: every thread of the block must call it.
template <typename T, typename Acc>
__device__ __forceinline__ void widen_through_shared(const Pack16<T>* in, int packs, Pack16<Acc>* out) {
  static_assert(sizeof(T) == 2, "the raw packs take half of the float slot");
  constexpr int kHeld = kMaxStagedPacks / 2;
  Pack16<T>* raw = reinterpret_cast<Pack16<T>*>(out) + packs;
  MERBA_SHARED_PHASE();
  for (int i = threadIdx.x; i < packs; i += blockDim.x) {
    MERBA_SHARED_ACCESS(raw + i, 16);
    copy_to_shared_async<16>(raw + i, in + i);
  }
  wait_for_tile_copies();
  __syncthreads();
  const int lower = packs / 2;
  MERBA_SHARED_PHASE();
  for (int i = threadIdx.x; i < lower; i += blockDim.x) {
    MERBA_SHARED_ACCESS(raw + i, 16);
    store_widened(out, i, raw[i]);
  }
  Pack16<T> held[kHeld];
  MERBA_SHARED_PHASE();
#pragma unroll
  for (int k = 0; k < kHeld; ++k) {
    const int i = lower + static_cast<int>(threadIdx.x + k * blockDim.x);
    if (i < packs) {
      MERBA_SHARED_ACCESS(raw + i, 16);
      held[k] = raw[i];
    }
  }
  __syncthreads();  // every raw pack is read before a widened upper one lands on it
  MERBA_SHARED_PHASE();
#pragma unroll
  for (int k = 0; k < kHeld; ++k) {
    const int i = lower + static_cast<int>(threadIdx.x + k * blockDim.x);
    if (i < packs) store_widened(out, i, held[k]);
  }
}

// The `count` elements at src into the unpadded shared tile dst, both contiguous: 16 bytes per global load and per
// shared store, consecutive threads on consecutive packs. False (nothing done) unless both are 16-byte aligned.
template <typename T, typename Acc>
__device__ __forceinline__ bool load_contiguous_tile(const T* src, int count, Acc* dst) {
  using Pieces = SharedPieces<T>;
  if (!aligned16(src) || !aligned16(dst)) return false;
  const int packs = count / Pieces::kW;
  const Pack16<T>* in = reinterpret_cast<const Pack16<T>*>(src);
  Pack16<Acc>* out = reinterpret_cast<Pack16<Acc>*>(dst);
  if constexpr (sizeof(T) == 2) {
    // Block-uniform: the count and the block's limits are the same for every thread.
    if (count % Pieces::kW == 0 && packs <= kMaxStagedPacks * static_cast<int>(blockDim.x)) {
      widen_through_shared(in, packs, out);
      return true;
    }
  }
  MERBA_SHARED_PHASE();
  for (int i = threadIdx.x; i < packs; i += blockDim.x) {
    if constexpr (kCopiesAsync<T>) {
      MERBA_SHARED_ACCESS(out + i, 16);
      copy_to_shared_async<16>(out + i, in + i);
    } else {
      store_widened(out, i, in[i]);
    }
  }
  MERBA_SHARED_PHASE();
  for (int flat = packs * Pieces::kW + threadIdx.x; flat < count; flat += blockDim.x) {
    load_element(dst + flat, src + flat);
  }
  return true;
}

// The reverse of load_contiguous_tile: the unpadded shared tile src, rounded to T, into `count` elements at dst.
template <typename T, typename Acc>
__device__ __forceinline__ bool store_contiguous_tile(T* dst, int count, const Acc* src) {
  using Pieces = SharedPieces<T>;
  if (!aligned16(src) || !aligned16(dst)) return false;
  const int packs = count / Pieces::kW;
  const Pack16<Acc>* in = reinterpret_cast<const Pack16<Acc>*>(src);
  Pack16<T>* out = reinterpret_cast<Pack16<T>*>(dst);
  MERBA_SHARED_PHASE();
  for (int i = threadIdx.x; i < packs; i += blockDim.x) {
    Pieces p;
    if constexpr (Pieces::kPieces == 1) {
      MERBA_SHARED_ACCESS(in + i, 16);
      p.piece[0] = in[i];
    } else {
      const int first = first_piece();
      MERBA_SHARED_ACCESS(in + 2 * i + first, 16);
      const Pack16<Acc> a = in[2 * i + first];
      MERBA_SHARED_ACCESS(in + 2 * i + 1 - first, 16);
      const Pack16<Acc> b = in[2 * i + 1 - first];
      p.piece[0] = first ? b : a;
      p.piece[1] = first ? a : b;
    }
    Pack16<T> pack;
#pragma unroll
    for (int j = 0; j < Pieces::kW; ++j) {
      pack.v[j] = from_compute<T>(p.piece[j / Pieces::kPerPiece].v[j % Pieces::kPerPiece]);
    }
    out[i] = pack;
  }
  MERBA_SHARED_PHASE();
  for (int flat = packs * Pieces::kW + threadIdx.x; flat < count; flat += blockDim.x) {
    MERBA_SHARED_ACCESS(src + flat, sizeof(Acc));
    dst[flat] = from_compute<T>(src[flat]);
  }
  return true;
}

// kN values at a 16-byte-aligned src (global or shared) as whole 16-byte loads: kN / 4 instructions in float instead
// of kN. The kernels read each step's row of B or C this way (ShortScanLayout aligns those tiles; every lane reads
// the same row, a broadcast), and load_thread_row a channel's row of A where it is aligned.
template <int kN, typename Acc>
__device__ __forceinline__ void load_aligned_row(const Acc* src, Acc (&dst)[kN]) {
  constexpr int kW = Pack16<Acc>::kSize;
  static_assert(kN % kW == 0, "whole 16-byte pieces");
#pragma unroll
  for (int q = 0; q < kN / kW; ++q) {
    const Pack16<Acc> v = reinterpret_cast<const Pack16<Acc>*>(src)[q];
#pragma unroll
    for (int j = 0; j < kW; ++j) dst[q * kW + j] = v.v[j];
  }
}

// A thread's own row of kN values (A, dA: one channel's states), 16 bytes per access where the row is aligned:
// consecutive lanes' rows are kN values apart, so one value per access would make every load or store of the warp
// touch 32 sectors for 128 useful bytes.
template <int kN, typename Acc>
__device__ __forceinline__ void load_thread_row(const Acc* src, Acc (&dst)[kN]) {
  if constexpr (kN % Pack16<Acc>::kSize == 0) {
    if (aligned16(src)) {
      load_aligned_row(src, dst);
      return;
    }
  }
#pragma unroll
  for (int n = 0; n < kN; ++n) dst[n] = src[n];
}
template <int kN, typename Acc>
__device__ __forceinline__ void store_thread_row(const Acc (&src)[kN], Acc* dst) {
  constexpr int kW = Pack16<Acc>::kSize;
  if (kN % kW == 0 && aligned16(dst)) {
#pragma unroll
    for (int q = 0; q < kN / kW; ++q) {
      Pack16<Acc> v;
#pragma unroll
      for (int j = 0; j < kW; ++j) v.v[j] = src[q * kW + j];
      reinterpret_cast<Pack16<Acc>*>(dst)[q] = v;
    }
  } else {
#pragma unroll
    for (int n = 0; n < kN; ++n) dst[n] = src[n];
  }
}

// `rows` rows of `len` elements at src (rows `row_stride` apart, unit column stride) into a shared tile whose
// rows are `pitch` apart: whole 16-byte pieces when nothing is padded, else element by element (load_tile).
// Like every load here, asynchronous where kCopiesAsync<T>: wait_for_tile_copies() and a barrier before reading.
template <typename T, typename Acc>
__device__ __forceinline__ void load_rows(const T* src, int rows, int len, int row_stride, Acc* tile, int pitch) {
  if (row_stride == len && pitch == len && load_contiguous_tile(src, rows * len, tile)) return;
  load_tile(src, rows, len, row_stride, 1, pitched_at(tile, pitch));
}

// The tile's `rows` rows of `len` elements (`pitch` apart) into contiguous rows at dst.
template <typename T, typename Acc>
__device__ __forceinline__ void store_rows(T* dst, int rows, int len, const Acc* tile, int pitch) {
  if (pitch == len && store_contiguous_tile(dst, rows * len, tile)) return;
  store_tile(dst, rows, len, len, pitched_get(tile, pitch));
}

// `rows` rows of `cols` contiguous elements, `row_stride` apart in global memory, into the unpadded shared tile dst
// as whole kBytes (16 or 8) asynchronous copies, consecutive threads on consecutive pieces (conflict-free). For
// x_proj's views of B and C, whose rows sit R elements into x_proj's rows of R + 2N (R = ceil(C/16) in MERba's
// mixer): at R = 4 and 8 (C = 64, 128) every row starts on a 16-byte boundary, at R = 2 (C = 32) on an 8-byte one, so
// a row of 8 copies in two or four pieces instead of eight elements. False (nothing done) unless every row starts on
// a kBytes boundary and holds whole pieces, or in half precision (which converts as it copies: load_tile, or
// load_contiguous_tile's widening for contiguous rows).
template <int kBytes, typename T, typename Acc>
__device__ __forceinline__ bool load_rows_in_pieces(const T* src, int rows, int cols, int row_stride, Acc* dst) {
  if constexpr (!kCopiesAsync<T> || kBytes < static_cast<int>(sizeof(T))) {
    return false;
  } else {
    constexpr int kW = kBytes / static_cast<int>(sizeof(T));
    const auto on_boundary = [](const void* q) {  // aligned16 for 16: the one definition the resources check mutates
      if constexpr (kBytes == 16) {
        return aligned16(q);
      } else {
        return (reinterpret_cast<std::uintptr_t>(q) & (kBytes - 1)) == 0;
      }
    };
    if (cols % kW != 0 || row_stride % kW != 0 || !on_boundary(src) || !on_boundary(dst)) return false;
    MERBA_SHARED_PHASE();
    for (TileWalk w(threadIdx.x, blockDim.x, cols / kW); w.row < rows; w.next()) {  // (row, piece)
      Acc* to = dst + w.row * cols + w.col * kW;
      MERBA_SHARED_ACCESS(to, kBytes);
      copy_to_shared_async<kBytes>(to, src + w.row * row_stride + w.col * kW);
    }
    return true;
  }
}

// B or C of one batch row, (N, L) with any strides, into shared memory as [l][n] (a thread at step l reads
// the N values it needs side by side). The loop runs along whichever of n and l has unit stride, so that
// x_proj's strided views (n contiguous) are read coalesced too.
template <typename T, typename Acc>
__device__ __forceinline__ void load_state_projection(const T* src, int dstate, int len, int stride_n, int stride_l,
                                                      Acc* dst) {
  if (stride_n == 1 && stride_l == dstate && load_contiguous_tile(src, len * dstate, dst)) {
    return;  // already [l][n], unpadded: whole 16-byte pieces
  }
  if (stride_n == 1 && (load_rows_in_pieces<16>(src, len, dstate, stride_l, dst) ||
                        load_rows_in_pieces<8>(src, len, dstate, stride_l, dst))) {
    return;  // x_proj's views with aligned rows
  }
  if (stride_n == 1 && stride_l != 1) {
    load_tile(src, len, dstate, stride_l, 1, [&](int l, int n) { return dst + l * dstate + n; });
  } else {
    load_tile(src, dstate, len, stride_n, stride_l, [&](int n, int l) { return dst + l * dstate + n; });
  }
}

// The same rows from a channels-last source: channel r of step l at src[l·step_stride + r]. Each thread copies its
// own channel's row, so at every step the lanes of a warp read consecutive channels (coalesced) and write rows an odd
// number of words apart (distinct banks). Through registers (half precision) kInFlight loads go before their stores:
// one memory latency per kInFlight steps, not per step.
template <typename T, typename Acc>
__device__ __forceinline__ void load_channels_last_rows(const T* src, int rows, int len, int step_stride, Acc* tile,
                                                        int pitch) {
  MERBA_SHARED_PHASE();
  for (int r = threadIdx.x; r < rows; r += blockDim.x) {
    const T* from = src + r;
    Acc* to = tile + r * pitch;
    int l = 0;
    if constexpr (!kCopiesAsync<T>) {
      constexpr int kInFlight = 8;
      for (; l + kInFlight <= len; l += kInFlight) {
        T held[kInFlight];
#pragma unroll
        for (int k = 0; k < kInFlight; ++k) held[k] = from[(l + k) * step_stride];
#pragma unroll
        for (int k = 0; k < kInFlight; ++k) load_element(to + l + k, &held[k]);
      }
    }
    for (; l < len; ++l) load_element(to + l, from + l * step_stride);
  }
}

// The tile's `rows` rows of `len` elements (`pitch` apart) into a channels-last destination, steps `step_stride`
// apart, each thread its own channel's row as above: coalesced, conflict-free. (16-byte stores of four channels
// would read four tile rows per lane, which conflict: 31 % excess wavefronts at a 64-channel tile.)
template <typename T, typename Acc>
__device__ __forceinline__ void store_channels_last_rows(T* dst, int rows, int len, int step_stride, const Acc* tile,
                                                         int pitch) {
  MERBA_SHARED_PHASE();
  for (int r = threadIdx.x; r < rows; r += blockDim.x) {
    for (int l = 0; l < len; ++l) {
      MERBA_SHARED_ACCESS(tile + r * pitch + l, sizeof(Acc));
      dst[l * step_stride + r] = from_compute<T>(tile[r * pitch + l]);
    }
  }
}

// `rows` channels from `src` (channel 0 of a batch row), `channel_stride` and `step_stride` apart, in the layout
// kChannelsLast (ScanParams::channels_last), into a pitched shared tile.
template <bool kChannelsLast, typename T, typename Acc>
__device__ __forceinline__ void load_channel_rows(const ScanParams& p, const T* src, std::int64_t channel_stride,
                                                  std::int64_t step_stride, int d0, int rows, Acc* tile, int pitch) {
  const int len = static_cast<int>(p.len);
  if constexpr (kChannelsLast) {
    load_channels_last_rows(src + d0, rows, len, static_cast<int>(step_stride), tile, pitch);
  } else {
    const int sd = static_cast<int>(channel_stride);
    load_rows(src + d0 * sd, rows, len, sd, tile, pitch);
  }
}

// Channels [d0, d0 + rows) of batch row b of u, delta and (when given) z into pitched shared tiles.
template <bool kChannelsLast, typename T, typename Acc>
__device__ __forceinline__ void load_channel_inputs(const ScanParams& p, std::int64_t b, int d0, int rows, int pitch,
                                                    Acc* u_tile, Acc* delta_tile, Acc* z_tile) {
  const T *u = static_cast<const T*>(p.u), *delta = static_cast<const T*>(p.delta), *z = static_cast<const T*>(p.z);
  load_channel_rows<kChannelsLast>(p, u + b * p.u_stride_b, p.u_stride_d, p.u_stride_l, d0, rows, u_tile, pitch);
  load_channel_rows<kChannelsLast>(p, delta + b * p.delta_stride_b, p.delta_stride_d, p.delta_stride_l, d0, rows,
                                   delta_tile, pitch);
  if (z) {
    load_channel_rows<kChannelsLast>(p, z + b * p.z_stride_b, p.z_stride_d, p.z_stride_l, d0, rows, z_tile, pitch);
  }
}

// The tile's `rows` channels from d0 into batch row b of a per-(b, d, l) output (out, du, ddelta, dz) in the
// layout kChannelsLast (ScanParams::channels_last) gives it: (B, D, L) or (B, L, D) contiguous.
template <bool kChannelsLast, typename T, typename Acc>
__device__ __forceinline__ void store_channel_rows(const ScanParams& p, T* out, std::int64_t b, int d0, int rows,
                                                   const Acc* tile, int pitch) {
  const int len = static_cast<int>(p.len), dim = static_cast<int>(p.dim);
  T* row = out + b * p.dim * p.len;
  if constexpr (kChannelsLast) {
    store_channels_last_rows(row + d0, rows, len, dim, tile, pitch);
  } else {
    store_rows(row + d0 * len, rows, len, tile, pitch);
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
