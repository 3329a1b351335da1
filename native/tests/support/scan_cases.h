// Test cases of the selective scan shared by the CPU, CUDA and emulated-kernel tests: which optional inputs
// a case uses, and random inputs in the ranges MERba produces.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace merba::test {

// Which optional inputs a case uses.
struct ScanOptionals {
  bool D = false, z = false, delta_bias = false, softplus = false, last_state = false;
  // "+D+z…", or "plain".
  std::string describe() const;
};

// Inputs in the ranges MERba produces: Δ around softplus(dt_bias) ∈ [1e-3, 0.1] plus noise, A = −exp(A_log).
// Absent optional inputs are undefined tensors.
struct ScanInputs {
  at::Tensor u, delta, A, B, C, D, z, delta_bias;

  static ScanInputs random(int64_t batch, int64_t dim, int64_t len, int64_t dstate, at::ScalarType dtype,
                           const ScanOptionals& o, uint64_t seed);
  // {u, delta, A, B, C, D, z, delta_bias}
  std::vector<at::Tensor> all() const { return {u, delta, A, B, C, D, z, delta_bias}; }
};

}  // namespace merba::test
