// The scan orders of asymmetric multi-scanning over a ws×ws window (spec §2): h+ row-major (identity),
// h- row-major reversed, v+ column-major (top→bottom, columns left→right), v- column-major reversed.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "model/model_config.h"

namespace merba::model {

// order[i] = the row-major token index visited i-th.
std::vector<int64_t> scan_permutation(ScanOrder order, int64_t ws);
std::vector<int64_t> inverse_permutation(const std::vector<int64_t>& permutation);

// Reorders the tokens (dim 1) of (N, L, C) into scan order, and back.
at::Tensor to_scan_order(const at::Tensor& tokens, ScanOrder order, int64_t ws);
at::Tensor from_scan_order(const at::Tensor& tokens, ScanOrder order, int64_t ws);

}  // namespace merba::model
