// Interface between the selective-scan operator (tensors, autograd, threads) and its CPU kernels (raw
// pointers, one translation unit per instruction set). Nothing here includes ATen: the kernel units are
// compiled with ISA flags, and keeping LibTorch's inline code out of them keeps those flags out of it.
#pragma once

#include <cstdint>

#include "ops/cpu/cpu_capability.h"

namespace merba::ops::cpu {

// Read-only inputs of one scan, already in the compute type T. u, delta and z are (B, D, L) with any
// batch/channel strides and unit stride along L; A is (D, N) contiguous; B and C were transposed to
// (B, L, N) contiguous so that d_state is the innermost, contiguous, vectorised axis.
template <typename T>
struct ScanInputs {
  std::int64_t batch = 0, dim = 0, len = 0, dstate = 0;
  const T* u = nullptr;
  std::int64_t u_stride_b = 0, u_stride_d = 0;
  const T* delta = nullptr;
  std::int64_t delta_stride_b = 0, delta_stride_d = 0;
  const T* A = nullptr;
  const T* B = nullptr;  // (B, L, N)
  const T* C = nullptr;  // (B, L, N)
  const T* D = nullptr;           // (D) or null
  const T* z = nullptr;           // (B, D, L) or null
  std::int64_t z_stride_b = 0, z_stride_d = 0;
  const T* delta_bias = nullptr;  // (D) or null
  bool delta_softplus = false;
};

// Forward outputs: out (B, D, L) contiguous; last_state (B, D, N) contiguous or null.
template <typename T>
struct ScanForwardOutputs {
  T* out = nullptr;
  T* last_state = nullptr;
};

// Backward work is split into items (b, g): batch row b and channel group g of `groups` equal groups.
// Per-(b, d) gradients are written in place; gradients summed over channels (dB, dC: (groups, B, L, N),
// summed over g by the caller) or over the batch (dA, dD, d_delta_bias: one slot per task, summed by
// the caller) go to buffers no other thread writes.
template <typename T>
struct ScanBackwardOutputs {
  const T* grad_out = nullptr;  // (B, D, L) contiguous
  T* du = nullptr;              // (B, D, L) contiguous
  T* ddelta = nullptr;          // (B, D, L) contiguous
  T* dz = nullptr;              // (B, D, L) contiguous, null when z is
  T* dB = nullptr;              // (groups, B, L, N), zero-initialised
  T* dC = nullptr;              // (groups, B, L, N), zero-initialised
  std::int64_t groups = 1;
};

// One task's accumulators for the batch-reduced gradients, zero-initialised.
template <typename T>
struct ScanTaskAccumulators {
  T* dA = nullptr;           // (D, N)
  T* dD = nullptr;           // (D)
  T* ddelta_bias = nullptr;  // (D)
};

// The entry points one instruction-set variant provides. Rows are flattened (b, d) indices; items are
// flattened (b, g) indices. Each call handles a contiguous range and allocates its own scratch.
template <typename T>
struct ScanKernels {
  void (*forward_rows)(const ScanInputs<T>&, const ScanForwardOutputs<T>&, std::int64_t begin,
                       std::int64_t end);
  void (*backward_items)(const ScanInputs<T>&, const ScanBackwardOutputs<T>&,
                         const ScanTaskAccumulators<T>&, std::int64_t begin, std::int64_t end);
};

}  // namespace merba::ops::cpu

MERBA_DECLARE_CPU_KERNEL_TABLES(merba::ops::cpu::ScanKernels, scan_kernels)
