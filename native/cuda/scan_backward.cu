// Launches the backward selective-scan kernel (scan_backward_kernel.cuh) for each element type.
#include "cuda/scan_backward_kernel.cuh"

namespace merba::cuda {
namespace {

template <typename T>
cudaError_t launch_typed(const ScanParams& p, const ScanBackwardBuffers& g, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(p.batch),
                  static_cast<unsigned>((p.dim + channels_per_block(p.len) - 1) / channels_per_block(p.len)));
  const dim3 block(kWarpsPerBlock * 32);
  if (lanes_per_channel(p.len) == 8) {
    scan_backward_kernel<T, 8><<<grid, block, 0, stream>>>(p, g);
  } else {
    scan_backward_kernel<T, 32><<<grid, block, 0, stream>>>(p, g);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_scan_backward(const ScanParams& p, const ScanBackwardBuffers& g, cudaStream_t stream) {
  if (p.batch == 0 || p.dim == 0 || p.len == 0) return cudaSuccess;
  switch (p.dtype) {
    case ScanDtype::Float32: return launch_typed<float>(p, g, stream);
    case ScanDtype::Float64: return launch_typed<double>(p, g, stream);
    case ScanDtype::Float16: return launch_typed<__half>(p, g, stream);
    case ScanDtype::BFloat16: return launch_typed<__nv_bfloat16>(p, g, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace merba::cuda
