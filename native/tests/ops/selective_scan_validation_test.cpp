// Bad inputs are refused at the operator's boundary with a message that names the argument and the
// expected shape, dtype or layout.
#include <ATen/ATen.h>

#include "ops/selective_scan.h"
#include "support/tensor_checks.h"

using merba::ops::SelectiveScanOptions;
using merba::ops::selective_scan;

namespace {

struct Valid {
  at::Tensor u = at::randn({2, 4, 6}), delta = at::rand({2, 4, 6}), A = -at::rand({4, 8}),
             B = at::randn({2, 8, 6}), C = at::randn({2, 8, 6});
};

}  // namespace

TEST(valid_inputs_are_accepted) {
  Valid v;
  EXPECT_SHAPE(selective_scan(v.u, v.delta, v.A, v.B, v.C).out, {2, 4, 6});
}

TEST(rank_of_u_is_checked) {
  Valid v;
  EXPECT_THROWS_WITH(selective_scan(v.u[0], v.delta, v.A, v.B, v.C), c10::ValueError,
                     "u must have shape (B, D, L), got [4, 6]");
}

TEST(shapes_name_the_argument_and_the_expected_shape) {
  Valid v;
  EXPECT_THROWS_WITH(selective_scan(v.u, at::rand({2, 4, 5}), v.A, v.B, v.C), c10::ValueError,
                     "delta must have shape (B, D, L) = [2, 4, 6], got [2, 4, 5]");
  EXPECT_THROWS_WITH(selective_scan(v.u, v.delta, -at::rand({3, 8}), v.B, v.C), c10::ValueError,
                     "A must have shape (D, N) = (4, N)");
  EXPECT_THROWS_WITH(selective_scan(v.u, v.delta, v.A, at::randn({2, 6, 8}), v.C), c10::ValueError,
                     "B must have shape (B, N, L) = [2, 8, 6], got [2, 6, 8]");
  EXPECT_THROWS_WITH(selective_scan(v.u, v.delta, v.A, v.B, at::randn({2, 8, 7})), c10::ValueError,
                     "C must have shape (B, N, L) = [2, 8, 6]");
  EXPECT_THROWS_WITH(selective_scan(v.u, v.delta, v.A, v.B, v.C, SelectiveScanOptions().D(at::ones({5}))),
                     c10::ValueError, "D must have shape (D) = [4], got [5]");
  EXPECT_THROWS_WITH(selective_scan(v.u, v.delta, v.A, v.B, v.C, SelectiveScanOptions().z(at::ones({2, 4}))),
                     c10::ValueError, "z must have shape (B, D, L) = [2, 4, 6]");
  EXPECT_THROWS_WITH(
      selective_scan(v.u, v.delta, v.A, v.B, v.C, SelectiveScanOptions().delta_bias(at::ones({4, 1}))),
      c10::ValueError, "delta_bias must have shape (D) = [4]");
}

TEST(dtypes_are_checked) {
  Valid v;
  EXPECT_THROWS_WITH(selective_scan(v.u.to(at::kInt), v.delta, v.A, v.B, v.C), c10::ValueError,
                     "u must be float32, float64, float16 or bfloat16, got Int");
  EXPECT_THROWS_WITH(selective_scan(v.u, v.delta.to(at::kDouble), v.A, v.B, v.C), c10::ValueError,
                     "delta must have the dtype of u (Float), got Double");
  EXPECT_THROWS_WITH(selective_scan(v.u, v.delta, v.A.to(at::kHalf), v.B, v.C), c10::ValueError,
                     "A must be float32 or the dtype of u");
}

TEST(inputs_without_unit_stride_along_L_give_the_results_of_contiguous_ones) {
  // Until 2026-11-30 these were refused; now the operator copies them for its CPU kernels (and MERba's mixer passes
  // u and delta channels-last, as transposes of (B, L, D) tensors). Same kernels, same values: equal bit for bit.
  const SelectiveScanOptions o =
      SelectiveScanOptions().D(at::randn({4})).delta_bias(at::rand({4})).delta_softplus(true);
  const at::Tensor u_every_other = at::randn({2, 4, 12}).slice(2, 0, 12, 2);           // L stride 2
  const at::Tensor delta_channels_last = at::rand({2, 6, 7}).narrow(2, 0, 4).transpose(1, 2);  // D stride 1, L 7
  const at::Tensor z_channels_last = at::randn({2, 6, 4}).transpose(1, 2);
  std::vector<at::Tensor> strided{u_every_other, delta_channels_last, z_channels_last, at::randn({2, 8, 6}),
                                  at::randn({2, 8, 6})};
  std::vector<at::Tensor> contiguous;
  for (at::Tensor& t : strided) {
    contiguous.push_back(t.contiguous().requires_grad_(true));
    t = t.detach().requires_grad_(true);
  }
  const at::Tensor A = -at::rand({4, 8});
  auto run = [&](const std::vector<at::Tensor>& t) {
    return selective_scan(t[0], t[1], A, t[3], t[4], SelectiveScanOptions(o).z(t[2])).out;
  };
  const at::Tensor grad = at::randn({2, 4, 6});
  const at::Tensor out = run(strided), expected = run(contiguous);
  EXPECT_TRUE(at::equal(out, expected));
  (out * grad).sum().backward();
  (expected * grad).sum().backward();
  for (size_t i = 0; i < strided.size(); ++i) EXPECT_TRUE(at::equal(strided[i].grad(), contiguous[i].grad()));
}

TEST(empty_sequences_are_refused) {
  EXPECT_THROWS_WITH(selective_scan(at::randn({1, 4, 0}), at::rand({1, 4, 0}), -at::rand({4, 8}),
                                    at::randn({1, 8, 0}), at::randn({1, 8, 0})),
                     c10::ValueError, "L >= 1");
}

TEST(undefined_required_inputs_are_refused) {
  Valid v;
  EXPECT_THROWS_WITH(selective_scan(v.u, at::Tensor(), v.A, v.B, v.C), c10::ValueError, "delta is undefined");
}
