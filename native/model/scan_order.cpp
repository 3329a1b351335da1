#include "model/scan_order.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "model/device_index.h"

namespace merba::model {
namespace {

at::Tensor gather_tokens(const at::Tensor& tokens, const std::vector<int64_t>& index) {
  return tokens.index_select(1, device_index(index, tokens.device()));
}

}  // namespace

std::vector<int64_t> scan_permutation(ScanOrder order, int64_t ws) {
  std::vector<int64_t> p;
  p.reserve(ws * ws);
  const bool vertical = order == ScanOrder::V_PLUS || order == ScanOrder::V_MINUS;
  for (int64_t outer = 0; outer < ws; ++outer) {
    for (int64_t inner = 0; inner < ws; ++inner) p.push_back(vertical ? inner * ws + outer : outer * ws + inner);
  }
  if (order == ScanOrder::H_MINUS || order == ScanOrder::V_MINUS) std::reverse(p.begin(), p.end());
  return p;
}

std::vector<int64_t> inverse_permutation(const std::vector<int64_t>& permutation) {
  std::vector<int64_t> inverse(permutation.size());
  for (size_t i = 0; i < permutation.size(); ++i) inverse[permutation[i]] = static_cast<int64_t>(i);
  return inverse;
}

// h+ and h- need no index: identity and a flip.
at::Tensor to_scan_order(const at::Tensor& tokens, ScanOrder order, int64_t ws) {
  if (order == ScanOrder::H_PLUS) return tokens;
  if (order == ScanOrder::H_MINUS) return tokens.flip({1});
  return gather_tokens(tokens, scan_permutation(order, ws));
}

at::Tensor from_scan_order(const at::Tensor& tokens, ScanOrder order, int64_t ws) {
  if (order == ScanOrder::H_PLUS) return tokens;
  if (order == ScanOrder::H_MINUS) return tokens.flip({1});
  return gather_tokens(tokens, inverse_permutation(scan_permutation(order, ws)));
}

}  // namespace merba::model
