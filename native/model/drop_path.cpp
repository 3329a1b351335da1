#include "model/drop_path.h"

#include <ATen/ATen.h>

#include <vector>

namespace merba::model {

at::Tensor drop_path(const at::Tensor& x, double p, bool training) {
  if (!training || p <= 0.0) return x;
  const double keep = 1.0 - p;
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  const at::Tensor mask = at::empty(shape, x.options()).bernoulli_(keep).div_(keep);
  return x * mask;
}

}  // namespace merba::model
