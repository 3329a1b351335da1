// Launches the backward selective-scan kernels (scan_backward_kernel.cuh, scan_short_backward_kernel.cuh) for
// each element type.
#include "cuda/scan_backward_kernel.cuh"
#include "cuda/scan_launch_config.h"
#include "cuda/scan_short_backward_kernel.cuh"
#include "cuda/scan_short_launch.cuh"

namespace merba::cuda {
namespace {

// One kernel per layout of u, delta and z (ScanParams::channels_last).
template <typename T, int kN>
cudaError_t launch_short(const ScanParams& p, const ScanBackwardBuffers& buf, const LaunchShape& s, cudaStream_t stream) {
  auto* kernel = p.channels_last ? scan_short_backward_kernel<T, kN, true> : scan_short_backward_kernel<T, kN, false>;
  return launch_short_kernel(kernel, p, buf, s, stream);
}

template <typename T>
cudaError_t launch_typed(const ScanParams& p, const ScanBackwardBuffers& buf, ScanKernel kernel, cudaStream_t stream) {
  const LaunchShape s = backward_launch_shape(p, kernel);
  if (kernel == ScanKernel::Short) {
    return p.dstate == 8 ? launch_short<T, 8>(p, buf, s, stream) : launch_short<T, 16>(p, buf, s, stream);
  }
  if (lanes_per_channel(p.len) == 8) {
    scan_backward_kernel<T, 8><<<s.grid, s.block, 0, stream>>>(p, buf);
  } else {
    scan_backward_kernel<T, 32><<<s.grid, s.block, 0, stream>>>(p, buf);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_scan_backward(const ScanParams& p, const ScanBackwardBuffers& buf, ScanKernel kernel,
                                cudaStream_t stream) {
  if (p.batch == 0 || p.dim == 0 || p.len == 0) return cudaSuccess;
  if (kernel == ScanKernel::Short && !short_kernel_applies(p)) return cudaErrorInvalidValue;
  if (kernel == ScanKernel::Chunked && p.channels_last) return cudaErrorInvalidValue;  // length-major only
  switch (p.dtype) {
    case ScanDtype::Float32: return launch_typed<float>(p, buf, kernel, stream);
    case ScanDtype::Float64: return launch_typed<double>(p, buf, kernel, stream);
    case ScanDtype::Float16: return launch_typed<__half>(p, buf, kernel, stream);
    case ScanDtype::BFloat16: return launch_typed<__nv_bfloat16>(p, buf, kernel, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace merba::cuda
