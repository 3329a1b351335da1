// The selective scan written with plain LibTorch ops, step by step as in spec §3 (and Mamba's
// selective_scan_ref). Independent of the fused kernels; LibTorch autograd differentiates it. Used only
// by tests and benchmarks, never by the library.
#pragma once

#include "ops/selective_scan.h"

namespace merba::reference {

ops::SelectiveScanResult selective_scan_reference(const at::Tensor& u, const at::Tensor& delta,
                                                  const at::Tensor& A, const at::Tensor& B,
                                                  const at::Tensor& C,
                                                  const ops::SelectiveScanOptions& options = {});

}  // namespace merba::reference
