// Non-overlapping windows (spec §2): (B, C, H, W) → (B·nWin, ws², C), windows row-major with the batch
// outermost, tokens row-major inside a window (token r·ws + c); window_reverse is the exact inverse.
// H and W must be multiples of ws (pad first).
#pragma once

#include <ATen/core/Tensor.h>

namespace merba::model {

at::Tensor window_partition(const at::Tensor& x, int64_t ws);
at::Tensor window_reverse(const at::Tensor& windows, int64_t ws, int64_t batch, int64_t height, int64_t width);

// Zero-pads the right and bottom of (B, C, H, W) to multiples of ws.
at::Tensor pad_to_multiple(const at::Tensor& x, int64_t ws);

}  // namespace merba::model
