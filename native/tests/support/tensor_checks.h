// Tensor comparisons and a float64 finite-difference gradient check for the tests.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <string>
#include <vector>

#include "support/test_harness.h"

namespace merba::test {

// max |actual − expected| ≤ tol · max(1, max |expected|): an absolute tolerance for values of order one
// that scales with the magnitude of larger results (sums over long sequences).
void expect_close(const at::Tensor& actual, const at::Tensor& expected, double tol, const std::string& what,
                  const char* file, int line);

// Checks d(Σ w·f(inputs))/d(input) from autograd against central differences, in float64, for every
// input that requires grad. f must be deterministic.
void gradcheck(const std::function<at::Tensor(const std::vector<at::Tensor>&)>& f,
               std::vector<at::Tensor> inputs, double eps, double atol, double rtol, const char* file,
               int line);

// t.sizes() == expected, with both shapes in the failure message.
void expect_shape(const at::Tensor& t, const std::vector<int64_t>& expected, const char* file, int line);

}  // namespace merba::test

#define EXPECT_SHAPE(tensor, ...) ::merba::test::expect_shape((tensor), std::vector<int64_t> __VA_ARGS__, __FILE__, __LINE__)

#define EXPECT_CLOSE(actual, expected, tol, what) \
  ::merba::test::expect_close((actual), (expected), (tol), (what), __FILE__, __LINE__)
