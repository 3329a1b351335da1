// Interface between the CUDA selective-scan launcher (tensors, streams, autograd) and its kernels (raw
// pointers). Nothing here includes LibTorch, so the .cu files compile with nvcc alone, quickly.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

namespace merba::cuda {

// The largest d_state the kernels hold in registers.
constexpr int kMaxDState = 16;
// Warps per thread block.
constexpr int kWarpsPerBlock = 4;
// Consecutive steps one lane owns in a chunk.
constexpr int kItemsPerLane = 8;

// Element type of u, delta, B, C, z, out and the per-(b, d, l) gradients.
enum class ScanDtype { Float32, Float64, Float16, BFloat16 };

// Lanes that scan one channel together. Short sequences (L ≤ 64) use 8 lanes, so that a warp scans four
// channels and MERba's 49-token windows keep 7 of the 8 lanes busy with 7 steps each; longer ones use the
// whole warp. A chunk — what one scan pass covers — is lanes × kItemsPerLane steps: 64 or 256, so MERba's
// windows (49–196 tokens) are one chunk, and longer sequences run chunk after chunk with the state carried.
inline int lanes_per_channel(std::int64_t len) { return len <= 64 ? 8 : 32; }
inline int channels_per_block(std::int64_t len) { return kWarpsPerBlock * 32 / lanes_per_channel(len); }
inline std::int64_t chunk_length(std::int64_t len) { return lanes_per_channel(len) * kItemsPerLane; }
inline std::int64_t chunk_count(std::int64_t len) { return (len + chunk_length(len) - 1) / chunk_length(len); }

// One scan. Element pointers are of the ScanDtype (`const void*` keeps this header free of half types);
// weight pointers and state/gradient buffers are of the compute type (float, double for Float64).
// Strides are in elements. u, delta and z come in one of two layouts (`channels_last`):
//  * length-major: unit stride along L (the *_stride_l are 1), as (B, D, L) contiguous tensors;
//  * channels-last: unit stride along D, rows of channels *_stride_l apart, as transposes of (B, L, D) tensors —
//    what MERba's mixer has (in_proj's output is (B, L, D)). Only the short kernels read it.
// The per-(b, d, l) outputs and gradients (out, grad_out, du, ddelta, dz) follow: (B, D, L) contiguous, or
// channels-last as (B, L, D) contiguous (grad_out with the strides in ScanBackwardBuffers).
struct ScanParams {
  ScanDtype dtype = ScanDtype::Float32;
  std::int64_t batch = 0, dim = 0, len = 0, dstate = 0;
  bool channels_last = false;
  const void* u = nullptr;
  std::int64_t u_stride_b = 0, u_stride_d = 0, u_stride_l = 1;
  const void* delta = nullptr;
  std::int64_t delta_stride_b = 0, delta_stride_d = 0, delta_stride_l = 1;
  const void* B = nullptr;  // (B, N, L)
  std::int64_t B_stride_b = 0, B_stride_n = 0, B_stride_l = 0;
  const void* C = nullptr;  // (B, N, L)
  std::int64_t C_stride_b = 0, C_stride_n = 0, C_stride_l = 0;
  const void* z = nullptr;  // (B, D, L) or null
  std::int64_t z_stride_b = 0, z_stride_d = 0, z_stride_l = 1;
  const void* A = nullptr;           // (D, N) contiguous, compute type
  const void* D = nullptr;           // (D) or null, compute type
  const void* delta_bias = nullptr;  // (D) or null, compute type
  bool delta_softplus = false;
};

struct ScanForwardBuffers {
  void* out = nullptr;      // (B, D, L) contiguous (channels-last: (B, L, D) contiguous), element type
  void* states = nullptr;   // (B, D, chunks, N) contiguous, compute type: the state after each chunk; or null
  void* pregate = nullptr;  // (B, D, L) contiguous, compute type: y + D·u before the z gate; or null (the
                            // short kernel never writes it: its backward recomputes y)
};

struct ScanBackwardBuffers {
  const void* grad_out = nullptr;  // (B, D, L) contiguous, element type; channels-last: unit stride along D,
  std::int64_t grad_out_stride_b = 0, grad_out_stride_l = 0;  // batch rows and steps these strides apart (both
                                                              // layouts: the short backward reads them)
  const void* states = nullptr;    // from the chunked forward (the short backward needs neither)
  const void* pregate = nullptr;   // from the chunked forward, when z is given
  void* du = nullptr;              // (B, D, L) contiguous (channels-last: (B, L, D)), element type
  void* ddelta = nullptr;          // the same layout and type
  void* dz = nullptr;              // the same layout and type, or null
  // dB, dC: (B, N, L) contiguous. The chunked kernel accumulates them atomically into zero-filled buffers
  // of the compute type; the short kernel writes them once, in the element type (scan_launch_config.h).
  void* dB = nullptr;
  void* dC = nullptr;
  void* dA = nullptr;              // (B, D, N) contiguous, compute type: per-batch parts, summed by the caller
  void* dD = nullptr;              // (B, D) contiguous, compute type, per-batch parts
  void* ddelta_bias = nullptr;     // (B, D) contiguous, compute type, per-batch parts
};

enum class ScanKernel;

// Enqueue `kernel` (scan_launch_config.h: scan_kernel_for) on `stream`; return the launch status
// (cudaGetLastError) for the caller to check. The buffers must be the ones that kernel expects.
cudaError_t launch_scan_forward(const ScanParams& params, const ScanForwardBuffers& buffers, ScanKernel kernel,
                                cudaStream_t stream);
cudaError_t launch_scan_backward(const ScanParams& params, const ScanBackwardBuffers& buffers, ScanKernel kernel,
                                 cudaStream_t stream);

}  // namespace merba::cuda
