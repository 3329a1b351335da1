// The channel a group of lanes scans, and where its inputs are: the same for the forward and the backward
// kernel, so both read the strided inputs through this one piece of address arithmetic.
#pragma once

#include <cstdint>

#include "cuda/scan_device.cuh"
#include "cuda/scan_params.h"

namespace merba::cuda {

// Block (x = batch row b, y = group of channels), kLanes lanes per channel. The kernels bind the members by
// position (`const auto [lane, slot, b, d, active, u, ...] = ScanChannel<T, kLanes>(p);`): keep the order.
template <typename T, int kLanes>
struct ScanChannel {
  using Acc = compute_t<T>;
  static constexpr int kChannels = kWarpsPerBlock * 32 / kLanes;  // per block

  int lane, slot;  // lane within the channel's group; the group's channel slot within the block
  std::int64_t b, d;
  // False for a slot past the last channel: it still runs, on the last channel's inputs, and writes nothing —
  // its lanes may share a warp with real channels, and the shuffles (and the backward's block sums) need
  // every lane.
  bool active;
  const T *u, *delta, *z, *B, *C;  // z null when absent; B, C at (b, 0, 0)
  const Acc* A;                    // A[d, 0]
  Acc D, bias;                     // 0 when absent
  std::int64_t row;                // offset of (b, d, 0) in the (B, D, L) outputs and gradients

  __device__ explicit ScanChannel(const ScanParams& p)
      : lane(threadIdx.x % kLanes),
        slot(threadIdx.x / kLanes),
        b(blockIdx.x),
        d(channel_of(slot) < p.dim ? channel_of(slot) : p.dim - 1),
        active(channel_of(slot) < p.dim),
        u(static_cast<const T*>(p.u) + b * p.u_stride_b + d * p.u_stride_d),
        delta(static_cast<const T*>(p.delta) + b * p.delta_stride_b + d * p.delta_stride_d),
        z(p.z ? static_cast<const T*>(p.z) + b * p.z_stride_b + d * p.z_stride_d : nullptr),
        B(static_cast<const T*>(p.B) + b * p.B_stride_b),
        C(static_cast<const T*>(p.C) + b * p.C_stride_b),
        A(static_cast<const Acc*>(p.A) + d * p.dstate),
        D(p.D ? static_cast<const Acc*>(p.D)[d] : Acc(0)),
        bias(p.delta_bias ? static_cast<const Acc*>(p.delta_bias)[d] : Acc(0)),
        row((b * p.dim + d) * p.len) {}

 private:
  static __device__ std::int64_t channel_of(int slot) { return std::int64_t(blockIdx.y) * kChannels + slot; }
};

}  // namespace merba::cuda
