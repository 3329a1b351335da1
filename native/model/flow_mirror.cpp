#include "model/flow_mirror.h"

#include <ATen/ATen.h>

namespace merba::model {

at::Tensor mirror_centred(const at::Tensor& batch) {
  at::Tensor flipped = batch.flip({3}).clone();
  flipped.select(1, 0).neg_();
  return flipped;
}

}  // namespace merba::model
