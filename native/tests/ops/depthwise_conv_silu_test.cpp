// The fused depthwise conv1d + SiLU against LibTorch's own conv1d (groups = C) followed by SiLU, in every
// instruction-set variant, forward and both gradients; float64 finite differences; bad shapes refused.
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <ATen/Parallel.h>

#include <sstream>
#include <vector>

#include "ops/cpu/scan_cpu.h"
#include "ops/depthwise_conv_silu.h"
#include "support/cpu_variants.h"
#include "support/tensor_checks.h"

using merba::ops::depthwise_conv1d_silu;
using merba::ops::depthwise_conv1d_silu_plain;
using merba::test::for_each_cpu_capability;
namespace cpu = merba::ops::cpu;

namespace {

// SiLU(conv1d) as LibTorch computes it on (N, C, L), brought to the operator's (N, L, C) layout.
at::Tensor libtorch_conv_silu(const at::Tensor& tokens, const at::Tensor& weight) {
  const int64_t k = weight.size(2);
  const at::Tensor y = at::conv1d(tokens.transpose(1, 2), weight, {}, 1, (k - 1) / 2, 1, tokens.size(2));
  return at::silu(y).transpose(1, 2);
}

struct Results {
  at::Tensor y, gx, gw;
};

template <typename Op>
Results run(Op op, const at::Tensor& x, const at::Tensor& w, const at::Tensor& upstream) {
  const at::Tensor xl = x.detach().clone().requires_grad_(true), wl = w.detach().clone().requires_grad_(true);
  const at::Tensor y = op(xl, wl);
  (y * upstream).sum().backward();
  return {y.detach(), xl.grad(), wl.grad()};
}

void expect_matches_libtorch(int64_t n, int64_t len, int64_t channels, int64_t k, at::ScalarType dtype, uint64_t seed) {
  at::manual_seed(seed);
  // Values in the range MERba's in_proj produces, weights like Conv1d's default initialisation.
  const at::Tensor x = at::randn({n, len, channels}, dtype);
  const at::Tensor w = (at::rand({channels, 1, k}, dtype) * 2 - 1) / std::sqrt(static_cast<double>(k));
  const at::Tensor upstream = at::randn({n, len, channels}, dtype);
  const Results fused = run(depthwise_conv1d_silu, x, w, upstream);
  const Results expected = run(libtorch_conv_silu, x, w, upstream);
  const Results plain = run(depthwise_conv1d_silu_plain, x, w, upstream);
  std::ostringstream what;
  what << "(N, L, C, k) = (" << n << ", " << len << ", " << channels << ", " << k << ") " << dtype << " ("
       << cpu::to_string(cpu::cpu_capability()) << ")";
  const double tol = dtype == at::kDouble ? 1e-12 : 1e-5;
  EXPECT_CLOSE(fused.y, expected.y, tol, "y " + what.str());
  EXPECT_CLOSE(fused.gx, expected.gx, tol, "grad x " + what.str());
  EXPECT_CLOSE(fused.gw, expected.gw, tol, "grad weight " + what.str());
  EXPECT_CLOSE(plain.y, expected.y, tol, "plain y " + what.str());
  EXPECT_CLOSE(plain.gx, expected.gx, tol, "plain grad x " + what.str());
  EXPECT_CLOSE(plain.gw, expected.gw, tol, "plain grad weight " + what.str());
}

}  // namespace

TEST(matches_libtorch_conv1d_and_silu) {
  for_each_cpu_capability([] {
    // MERba's shapes (C = 2h of each stage, L = 49, k = 3), channel counts with a scalar tail, k = 5 and 1,
    // and sequences shorter than the kernel.
    expect_matches_libtorch(6, 49, 32, 3, at::kFloat, 1);
    expect_matches_libtorch(3, 49, 128, 3, at::kFloat, 2);
    expect_matches_libtorch(4, 9, 13, 3, at::kFloat, 3);
    expect_matches_libtorch(2, 7, 20, 5, at::kFloat, 4);
    expect_matches_libtorch(2, 6, 8, 1, at::kFloat, 5);
    expect_matches_libtorch(3, 2, 16, 5, at::kFloat, 6);
    expect_matches_libtorch(2, 1, 9, 3, at::kFloat, 7);
    expect_matches_libtorch(3, 11, 10, 3, at::kDouble, 8);
  });
}

TEST(float64_gradcheck) {
  at::manual_seed(9);
  std::vector<at::Tensor> inputs{at::randn({2, 5, 3}, at::kDouble).requires_grad_(true),
                                 (at::randn({3, 1, 3}, at::kDouble) * 0.5).requires_grad_(true)};
  merba::test::gradcheck([](const std::vector<at::Tensor>& t) { return depthwise_conv1d_silu(t[0], t[1]); }, inputs,
                         1e-6, 1e-7, 1e-5, __FILE__, __LINE__);
}

TEST(strided_tokens_and_the_thread_count_do_not_change_results) {
  at::manual_seed(10);
  // A channel slice of a wider tensor (what a split hands over), on one and on two threads. 64 rows of
  // 49 × 32 make two backward tasks on two threads, whose weight-gradient slots are summed.
  const at::Tensor wide = at::randn({64, 49, 48});
  const at::Tensor x = wide.narrow(2, 8, 32), w = at::randn({32, 1, 3}) * 0.5;
  const at::Tensor upstream = at::randn({64, 49, 32});
  EXPECT_TRUE(!x.is_contiguous());
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const Results one = run(depthwise_conv1d_silu, x, w, upstream);
  at::set_num_threads(2);
  const Results two = run(depthwise_conv1d_silu, x, w, upstream);
  at::set_num_threads(threads);
  const Results compact = run(depthwise_conv1d_silu, x.contiguous(), w, upstream);
  const Results expected = run(libtorch_conv_silu, x, w, upstream);
  EXPECT_CLOSE(two.y, one.y, 0.0, "y");  // rows are independent: bit-identical
  EXPECT_CLOSE(two.gx, one.gx, 0.0, "grad x");
  EXPECT_CLOSE(two.gw, one.gw, 1e-5, "grad weight");  // per-task partial sums, added in a fixed order
  EXPECT_CLOSE(two.gw, expected.gw, 1e-5, "grad weight on two threads vs LibTorch");
  EXPECT_CLOSE(compact.y, one.y, 0.0, "y of the contiguous copy");
}

TEST(edge_cases_no_rows_and_weight_only_gradient) {
  const at::Tensor w = (at::randn({16, 1, 3}) * 0.5).requires_grad_(true);
  const at::Tensor empty = at::randn({0, 9, 16}).requires_grad_(true);
  const at::Tensor y = depthwise_conv1d_silu(empty, w);
  EXPECT_SHAPE(y, {0, 9, 16});
  y.sum().backward();
  EXPECT_CLOSE(w.grad(), at::zeros({16, 1, 3}), 0.0, "grad weight of no rows");
  // Only the weight requires grad (the mixer's case when the input is data).
  at::manual_seed(13);
  const at::Tensor x = at::randn({3, 9, 16});
  const at::Tensor upstream = at::randn({3, 9, 16});
  const at::Tensor wl = w.detach().clone().requires_grad_(true), wr = w.detach().clone().requires_grad_(true);
  (depthwise_conv1d_silu(x, wl) * upstream).sum().backward();
  (libtorch_conv_silu(x, wr) * upstream).sum().backward();
  EXPECT_CLOSE(wl.grad(), wr.grad(), 1e-5, "grad weight with a constant input");
}

TEST(double_backward_is_refused) {
  const at::Tensor x = at::randn({2, 9, 16}).requires_grad_(true), w = at::randn({16, 1, 3});
  const at::Tensor y = depthwise_conv1d_silu(x, w).sum();
  EXPECT_THROWS_WITH(torch::autograd::grad({y}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true), c10::Error,
                     "double backward");
}

TEST(inference_without_autograd_gives_the_same_values) {
  at::manual_seed(11);
  const at::Tensor x = at::randn({4, 49, 64}), w = at::randn({64, 1, 3}) * 0.5;
  const at::Tensor with_graph = depthwise_conv1d_silu(x.requires_grad_(true), w).detach();
  at::NoGradGuard no_grad;
  EXPECT_CLOSE(depthwise_conv1d_silu(x, w), with_graph, 0.0, "y");
}

TEST(other_dtypes_take_the_plain_path) {
  at::manual_seed(12);
  const at::Tensor x = at::randn({2, 9, 16}), w = at::randn({16, 1, 3}) * 0.5;
  const at::Tensor low = depthwise_conv1d_silu(x.to(at::kBFloat16), w.to(at::kBFloat16));
  EXPECT_TRUE(low.scalar_type() == at::kBFloat16);
  EXPECT_CLOSE(low.to(at::kFloat), libtorch_conv_silu(x, w), 5e-2, "bfloat16 y");
}

TEST(wrong_shapes_are_refused) {
  const at::Tensor x = at::randn({2, 9, 16});
  EXPECT_THROWS_WITH(depthwise_conv1d_silu(x, at::randn({8, 1, 3})), c10::ValueError, "(C, 1, k) with C = 16");
  EXPECT_THROWS_WITH(depthwise_conv1d_silu(x, at::randn({16, 1, 4})), c10::ValueError, "k odd");
  EXPECT_THROWS_WITH(depthwise_conv1d_silu(x.view({2, 144}), at::randn({16, 1, 3})), c10::ValueError, "(N, L, C)");
  EXPECT_THROWS_WITH(depthwise_conv1d_silu(x, at::randn({16, 1, 3}, at::kDouble)), c10::ValueError, "dtype");
}
