#include "support/scan_cases.h"

#include <ATen/ATen.h>

#include <sstream>

namespace merba::test {

std::string ScanOptionals::describe() const {
  std::ostringstream s;
  s << (D ? "+D" : "") << (z ? "+z" : "") << (delta_bias ? "+delta_bias" : "") << (softplus ? "+softplus" : "")
    << (last_state ? "+last_state" : "");
  return s.str().empty() ? "plain" : s.str();
}

ScanInputs ScanInputs::random(int64_t batch, int64_t dim, int64_t len, int64_t dstate, at::ScalarType dtype,
                              const ScanOptionals& o, uint64_t seed) {
  at::manual_seed(seed);
  const auto opts = at::TensorOptions().dtype(dtype);
  ScanInputs in;
  in.u = at::randn({batch, dim, len}, opts);
  in.delta = o.softplus ? at::randn({batch, dim, len}, opts) * 0.5 - 2.0 : at::rand({batch, dim, len}, opts) * 0.2;
  in.A = -at::exp(at::randn({dim, dstate}, opts) * 0.5);
  in.B = at::randn({batch, dstate, len}, opts);
  in.C = at::randn({batch, dstate, len}, opts);
  if (o.D) in.D = at::randn({dim}, opts);
  if (o.z) in.z = at::randn({batch, dim, len}, opts);
  if (o.delta_bias) in.delta_bias = at::rand({dim}, opts) * 0.1;
  return in;
}

}  // namespace merba::test
