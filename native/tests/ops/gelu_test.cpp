// MERba's GELU against LibTorch's exact GELU and its autograd gradient, in every instruction-set
// variant and in float64; the derivative near 0 and in the tails; float64 finite differences.
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <sstream>
#include <vector>

#include "ops/cpu/scan_cpu.h"
#include "ops/gelu.h"
#include "support/cpu_variants.h"
#include "support/tensor_checks.h"

using merba::test::for_each_cpu_capability;
namespace cpu = merba::ops::cpu;

namespace {

struct Results {
  at::Tensor y, gx;
};

template <typename Op>
Results run(Op op, const at::Tensor& x, const at::Tensor& upstream) {
  const at::Tensor leaf = x.detach().clone().requires_grad_(true);
  const at::Tensor y = op(leaf);
  (y * upstream).sum().backward();
  return {y.detach(), leaf.grad()};
}

at::Tensor libtorch_gelu(const at::Tensor& x) { return at::gelu(x); }

// Normal values, plus exact zeros, tiny values on both sides of the kernel's linear branch, and tails.
at::Tensor interesting_inputs(at::ScalarType dtype) {
  at::manual_seed(1);
  const at::Tensor special = at::tensor(std::vector<double>{0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 1e-6, -1e-6,
                                                            2e-6, -2e-6, 1e-3, -1e-3, 3.0, -3.0, 6.0, -6.0, 9.5,
                                                            -9.5, 15.0, -15.0, 40.0, -40.0},
                                        at::TensorOptions().dtype(dtype));
  // 8·k + 5 elements: vector blocks and a scalar tail.
  return at::cat({at::randn({8 * 37}, dtype) * 3, special, at::randn({5}, dtype)});
}

}  // namespace

TEST(values_and_gradient_match_libtorch) {
  for_each_cpu_capability([] {
    for (at::ScalarType dtype : {at::kFloat, at::kDouble}) {
      const at::Tensor x = interesting_inputs(dtype);
      const at::Tensor upstream = at::randn(x.sizes(), dtype);
      const Results ours = run(merba::ops::gelu, x, upstream);
      const Results expected = run(libtorch_gelu, x, upstream);
      std::ostringstream what;
      what << dtype << " (" << cpu::to_string(cpu::cpu_capability()) << ")";
      EXPECT_CLOSE(ours.y, expected.y, 0.0, "y " + what.str());  // at::gelu itself
      EXPECT_CLOSE(ours.gx, expected.gx, dtype == at::kDouble ? 1e-12 : 2e-6, "grad " + what.str());
    }
  });
}

TEST(derivative_closed_forms) {
  // GELU'(0) = 1/2; GELU'(x) → 1 for large x and → 0 for very negative x.
  const at::Tensor x = at::tensor(std::vector<float>{0.0f, 30.0f, -30.0f}).requires_grad_(true);
  merba::ops::gelu(x).sum().backward();
  EXPECT_CLOSE(x.grad(), at::tensor(std::vector<float>{0.5f, 1.0f, 0.0f}), 1e-7, "GELU' at 0, 30, -30");
}

TEST(float64_gradcheck) {
  at::manual_seed(2);
  std::vector<at::Tensor> inputs{(at::randn({4, 7}, at::kDouble) * 2).requires_grad_(true)};
  merba::test::gradcheck([](const std::vector<at::Tensor>& t) { return merba::ops::gelu(t[0]); }, inputs, 1e-6, 1e-7,
                         1e-5, __FILE__, __LINE__);
}

TEST(strided_input_and_inference) {
  at::manual_seed(3);
  const at::Tensor wide = at::randn({6, 40});
  const at::Tensor x = wide.narrow(1, 3, 30);
  const at::Tensor upstream = at::randn({6, 30});
  EXPECT_CLOSE(run(merba::ops::gelu, x, upstream).gx, run(merba::ops::gelu, x.contiguous(), upstream).gx, 0.0,
               "grad of a strided view");
  at::NoGradGuard no_grad;
  EXPECT_CLOSE(merba::ops::gelu(x), at::gelu(x), 0.0, "inference");
}

TEST(double_backward_is_refused) {
  const at::Tensor x = at::randn({5}).requires_grad_(true);
  const at::Tensor y = merba::ops::gelu(x).sum();
  EXPECT_THROWS_WITH(torch::autograd::grad({y}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true), c10::Error,
                     "double backward");
}
