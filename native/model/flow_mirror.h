// The mirror image of flow fields, as a face seen in a mirror moves: columns reversed and the horizontal motion u
// negated. For centred flows (zero motion at 0, spec §5); train/augmentation.h mirrors about any zero level.
#pragma once

#include <ATen/core/Tensor.h>

namespace merba::model {

// batch: (B, C, H, W) centred flows, channel 0 = u. Test-time flipping predicts from it.
at::Tensor mirror_centred(const at::Tensor& batch);

}  // namespace merba::model
