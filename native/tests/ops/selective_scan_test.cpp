// The fused selective scan against its definition: the plain-ops reference (forward and every gradient),
// float64 finite differences, and closed forms.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <sstream>

#include "ops/cpu/scan_cpu.h"
#include "ops/selective_scan.h"
#include "reference/selective_scan_reference.h"
#include "support/scan_cases.h"
#include "support/cpu_variants.h"
#include "support/tensor_checks.h"

using merba::ops::SelectiveScanOptions;
using merba::ops::selective_scan;
using merba::reference::selective_scan_reference;
namespace cpu = merba::ops::cpu;
using merba::test::for_each_cpu_capability;

namespace {

using Optionals = merba::test::ScanOptionals;
using Inputs = merba::test::ScanInputs;

SelectiveScanOptions options_for(const std::vector<at::Tensor>& t, const Optionals& o) {
  return SelectiveScanOptions().D(t[5]).z(t[6]).delta_bias(t[7]).delta_softplus(o.softplus).return_last_state(
      o.last_state);
}

// Runs `scan` on leaf copies of the inputs and returns {out, last_state, grads...} for an upstream
// gradient that is the same for both implementations.
template <typename Scan>
std::vector<at::Tensor> run_with_grads(Scan scan, const Inputs& in, const Optionals& o, const at::Tensor& upstream) {
  std::vector<at::Tensor> leaves;
  for (const at::Tensor& t : in.all()) leaves.push_back(t.defined() ? t.detach().clone().requires_grad_(true) : t);
  merba::ops::SelectiveScanResult r = scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], options_for(leaves, o));
  (r.out * upstream).sum().backward();
  std::vector<at::Tensor> result{r.out.detach(), r.last_state.defined() ? r.last_state.detach() : r.last_state};
  for (const at::Tensor& leaf : leaves) result.push_back(leaf.defined() ? leaf.grad() : at::Tensor());
  return result;
}

const char* kNames[] = {"out", "last_state", "du", "ddelta", "dA", "dB", "dC", "dD", "dz", "ddelta_bias"};

void expect_matches_reference(int64_t batch, int64_t dim, int64_t len, int64_t dstate, const Optionals& o) {
  const Inputs in = Inputs::random(batch, dim, len, dstate, at::kFloat, o, 1000 + len * 31 + dstate);
  const at::Tensor upstream = at::randn({batch, dim, len});
  const auto fused = run_with_grads(selective_scan, in, o, upstream);
  const auto reference = run_with_grads(selective_scan_reference, in, o, upstream);
  for (size_t i = 0; i < fused.size(); ++i) {
    std::ostringstream what;
    what << kNames[i] << " at L=" << len << " N=" << dstate << " " << o.describe() << " ("
         << cpu::to_string(cpu::cpu_capability()) << ")";
    EXPECT_CLOSE(fused[i], reference[i], 1e-5, what.str());
  }
}

std::vector<Optionals> optional_combinations() {
  std::vector<Optionals> result;
  result.push_back({});
  result.push_back({.D = true});
  result.push_back({.z = true});
  result.push_back({.delta_bias = true});
  result.push_back({.softplus = true});
  result.push_back({.last_state = true});
  result.push_back({.D = true, .z = true, .delta_bias = true, .softplus = true, .last_state = true});
  return result;
}

}  // namespace

TEST(forward_and_every_gradient_match_the_reference) {
  for_each_cpu_capability([] {
    for (int64_t len : {1, 7, 49, 196}) {
      for (int64_t dstate : {1, 8, 16}) {
        for (const Optionals& o : optional_combinations()) expect_matches_reference(2, 3, len, dstate, o);
      }
    }
  });
}

TEST(general_state_sizes_match_the_reference) {
  // d_state 8 and 16 have specialised code paths; other sizes take the general one.
  for_each_cpu_capability([] {
    for (int64_t dstate : {3, 5, 12, 17}) expect_matches_reference(2, 3, 9, dstate, {.D = true, .z = true});
  });
}

TEST(small_batches_split_channels_into_groups) {
  // batch 1 makes the backward split D into channel groups whose dB/dC partials are summed.
  at::set_num_threads(2);
  expect_matches_reference(1, 16, 49, 8, {.D = true, .z = true, .delta_bias = true, .softplus = true});
}

TEST(float64_gradcheck) {
  for (const Optionals& o : {Optionals{}, Optionals{.D = true, .z = true, .delta_bias = true, .softplus = true}}) {
    Inputs in = Inputs::random(2, 3, 5, 4, at::kDouble, o, 7);
    std::vector<at::Tensor> inputs = in.all();
    for (auto& t : inputs) {
      if (t.defined()) t.requires_grad_(true);
    }
    merba::test::gradcheck(
        [&](const std::vector<at::Tensor>& t) {
          return selective_scan(t[0], t[1], t[2], t[3], t[4], options_for(t, o)).out;
        },
        inputs, 1e-6, 1e-7, 1e-5, __FILE__, __LINE__);
  }
}

TEST(single_step_is_a_closed_form) {
  // L = 1: h = Δ·u·B, so out = Δ·u·Σ_n B_n·C_n + D·u, and the last state is Δ·u·B.
  const Optionals o{.D = true, .last_state = true};
  const Inputs in = Inputs::random(3, 4, 1, 8, at::kDouble, o, 11);
  auto r = selective_scan(in.u, in.delta, in.A, in.B, in.C, options_for(in.all(), o));
  const at::Tensor du = in.delta * in.u;                                     // (B, D, 1)
  const at::Tensor expected = du * (in.B * in.C).sum(1, true) + in.D.view({1, -1, 1}) * in.u;
  EXPECT_CLOSE(r.out, expected, 1e-12, "out");
  EXPECT_CLOSE(r.last_state, du * in.B.transpose(1, 2), 1e-12, "last_state");
}

TEST(very_negative_A_forgets_everything) {
  // exp(Δ·A) → 0: every step sees only its own input, y_l = Δ_l·u_l·Σ_n B_{n,l}·C_{n,l}.
  Inputs in = Inputs::random(2, 3, 20, 8, at::kFloat, {}, 13);
  in.A = at::full({3, 8}, -1e6f);
  auto r = selective_scan(in.u, in.delta + 0.01, in.A, in.B, in.C);
  const at::Tensor expected = (in.delta + 0.01) * in.u * (in.B * in.C).sum(1).unsqueeze(1);
  EXPECT_CLOSE(r.out, expected, 1e-5, "out");
}

TEST(constant_inputs_give_a_geometric_series) {
  // Constant Δ, u, B, C: h_l = Δ·u·B·(1 − a^{l+1})/(1 − a) with a = exp(Δ·A), so y_l = Σ_n C_n·h_{l,n}.
  const int64_t len = 49, dstate = 8;
  const double dt = 0.05, u = 0.7, b = 1.3, c = -0.4;
  const at::Tensor A = -at::arange(1, dstate + 1, at::kDouble).unsqueeze(0);  // the spec's init: −(n+1)
  auto r = selective_scan(at::full({1, 1, len}, u, at::kDouble), at::full({1, 1, len}, dt, at::kDouble), A,
                          at::full({1, dstate, len}, b, at::kDouble), at::full({1, dstate, len}, c, at::kDouble));
  const at::Tensor a = at::exp(dt * A).view({dstate, 1});                          // (N, 1)
  const at::Tensor l = at::arange(len, at::kDouble).view({1, len});                // (1, L)
  const at::Tensor h = dt * u * b * (1 - at::pow(a, l + 1)) / (1 - a);             // (N, L)
  EXPECT_CLOSE(r.out.view({len}), (c * h).sum(0), 1e-12, "out (float64)");

  auto r32 = selective_scan(at::full({1, 1, len}, u), at::full({1, 1, len}, dt), A.to(at::kFloat),
                            at::full({1, dstate, len}, b), at::full({1, dstate, len}, c));
  EXPECT_CLOSE(r32.out.view({len}), (c * h).sum(0), 1e-6, "out (float32)");
}

TEST(strided_inputs_are_read_in_place) {
  // x and z of MERba's mixer are channel halves of one tensor: batch/channel strides are not compact.
  const Optionals o{.D = true, .z = true};
  const Inputs in = Inputs::random(2, 4, 12, 8, at::kFloat, o, 17);
  const at::Tensor xz = at::cat({in.u, in.z}, 1);
  const at::Tensor u_view = xz.narrow(1, 0, 4), z_view = xz.narrow(1, 4, 4);
  EXPECT_TRUE(!u_view.is_contiguous());
  const at::Tensor B_view = in.B.transpose(1, 2).contiguous().transpose(1, 2);  // (B, N, L), N-contiguous
  auto strided = selective_scan(u_view, in.delta, in.A, B_view, in.C, SelectiveScanOptions().D(in.D).z(z_view));
  auto compact = selective_scan(in.u, in.delta, in.A, in.B, in.C, SelectiveScanOptions().D(in.D).z(in.z));
  EXPECT_CLOSE(strided.out, compact.out, 0.0, "out");
}

TEST(half_precision_inputs_compute_in_float32) {
  const Optionals o{.D = true, .z = true, .delta_bias = true, .softplus = true};
  const Inputs in = Inputs::random(2, 3, 16, 8, at::kFloat, o, 19);
  for (at::ScalarType dtype : {at::kBFloat16, at::kHalf}) {
    auto low = selective_scan(in.u.to(dtype), in.delta.to(dtype), in.A, in.B.to(dtype), in.C.to(dtype),
                              SelectiveScanOptions().D(in.D).z(in.z.to(dtype)).delta_bias(in.delta_bias).delta_softplus(true));
    EXPECT_TRUE(low.out.scalar_type() == dtype);
    auto ref = selective_scan_reference(in.u.to(dtype), in.delta.to(dtype), in.A, in.B.to(dtype), in.C.to(dtype),
                                        SelectiveScanOptions().D(in.D).z(in.z.to(dtype)).delta_bias(in.delta_bias).delta_softplus(true));
    // Both round the same float32 result to the low-precision type: at most one unit in the last place.
    EXPECT_CLOSE(low.out, ref.out, dtype == at::kBFloat16 ? 1e-2 : 2e-3, "half-precision out");
  }
}

TEST(results_do_not_depend_on_the_thread_count) {
  const Optionals o{.D = true, .z = true, .delta_bias = true, .softplus = true};
  const Inputs in = Inputs::random(8, 16, 49, 8, at::kFloat, o, 23);
  const at::Tensor upstream = at::randn({8, 16, 49});
  at::set_num_threads(1);
  const auto one = run_with_grads(selective_scan, in, o, upstream);
  at::set_num_threads(2);
  const auto two = run_with_grads(selective_scan, in, o, upstream);
  EXPECT_CLOSE(two[0], one[0], 0.0, "out");  // rows are independent: bit-identical
  for (size_t i = 2; i < one.size(); ++i) EXPECT_CLOSE(two[i], one[i], 1e-6, kNames[i]);
}

TEST(instruction_set_variants_agree) {
  const Optionals o{.D = true, .z = true, .delta_bias = true, .softplus = true, .last_state = true};
  const Inputs in = Inputs::random(4, 8, 49, 8, at::kFloat, o, 29);
  const at::Tensor upstream = at::randn({4, 8, 49});
  std::vector<std::vector<at::Tensor>> results;
  for_each_cpu_capability([&] { results.push_back(run_with_grads(selective_scan, in, o, upstream)); });
  for (size_t v = 1; v < results.size(); ++v) {
    for (size_t i = 0; i < results[0].size(); ++i) EXPECT_CLOSE(results[v][i], results[0][i], 1e-6, kNames[i]);
  }
}

TEST(last_state_is_not_differentiable) {
  const Inputs in = Inputs::random(1, 2, 4, 8, at::kFloat, {}, 31);
  const at::Tensor u = in.u.clone().requires_grad_(true);
  auto r = selective_scan(u, in.delta, in.A, in.B, in.C, SelectiveScanOptions().return_last_state(true));
  EXPECT_TRUE(r.out.requires_grad());
  EXPECT_TRUE(!r.last_state.requires_grad());
}
