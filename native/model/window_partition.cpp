#include "model/window_partition.h"

#include <ATen/ATen.h>

namespace merba::model {

at::Tensor window_partition(const at::Tensor& x, int64_t ws) {
  const int64_t B = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  TORCH_CHECK_VALUE(H % ws == 0 && W % ws == 0, "window_partition: ", H, "x", W, " is not a multiple of ws = ", ws);
  return x.view({B, C, H / ws, ws, W / ws, ws})
      .permute({0, 2, 4, 3, 5, 1})
      .reshape({B * (H / ws) * (W / ws), ws * ws, C});
}

at::Tensor window_reverse(const at::Tensor& windows, int64_t ws, int64_t batch, int64_t height, int64_t width) {
  const int64_t C = windows.size(2);
  return windows.view({batch, height / ws, width / ws, ws, ws, C})
      .permute({0, 5, 1, 3, 2, 4})
      .reshape({batch, C, height, width});
}

at::Tensor pad_to_multiple(const at::Tensor& x, int64_t ws) {
  const int64_t H = x.size(2), W = x.size(3);
  const int64_t pad_h = (ws - H % ws) % ws, pad_w = (ws - W % ws) % ws;
  if (pad_h == 0 && pad_w == 0) return x;
  return at::constant_pad_nd(x, {0, pad_w, 0, pad_h}, 0.0);
}

}  // namespace merba::model
