#include "model/drop_path.h"

#include <ATen/ATen.h>

#include <vector>

#include "model/training_context.h"

namespace merba::model {

at::Tensor drop_path(const at::Tensor& x, double p, bool training) {
  if (!training || p <= 0.0) return x;
  const double keep = 1.0 - p;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  return x * bernoulli_mask(shape, keep, x.options());
}

}  // namespace merba::model
