// The launch of one short-kernel instantiation, shared by scan_forward.cu and scan_backward.cu: the opt-in to its
// dynamic shared memory, then the launch, then its status. nvcc only (a triple-chevron launch).
#pragma once

#include <cuda_runtime_api.h>

#include "cuda/scan_launch_config.h"
#include "cuda/scan_params.h"

namespace merba::cuda {

template <typename Buffers>
cudaError_t launch_short_kernel(void (*kernel)(ScanParams, Buffers), const ScanParams& p, const Buffers& buf,
                                const LaunchShape& s, cudaStream_t stream) {
  if (const cudaError_t e = allow_shared(kernel, s.shared_bytes); e != cudaSuccess) return e;
  kernel<<<s.grid, s.block, s.shared_bytes, stream>>>(p, buf);
  return cudaGetLastError();
}

}  // namespace merba::cuda
