// The CUDA selective scan against the CPU operator (forward and every gradient), float64 finite
// differences on the GPU, half-precision inputs, strided inputs, long sequences (several chunks) and the
// limits it refuses — each parity case with both kernel families (cuda/scan_launch_config.h: the chunked
// kernels, and the short ones where they apply). Runs only on a machine with a CUDA device
// (scripts/gpu-check.sh).
#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <sstream>
#include <string>

#include "cuda/scan_launch_config.h"
#include "ops/selective_scan.h"
#include "support/scan_cases.h"
#include "support/tensor_checks.h"

using merba::ops::SelectiveScanOptions;
using merba::ops::selective_scan;

namespace {

const at::Device kCuda(at::kCUDA, 0);

using merba::cuda::ScanKernelChoice;

// Sets the backend's kernel choice for its lifetime, then restores Auto.
struct KernelChoice {
  explicit KernelChoice(ScanKernelChoice choice) { merba::cuda::set_scan_kernel_choice(choice); }
  ~KernelChoice() { merba::cuda::set_scan_kernel_choice(ScanKernelChoice::Auto); }
  KernelChoice(const KernelChoice&) = delete;
  KernelChoice& operator=(const KernelChoice&) = delete;
};

const char* name_of(ScanKernelChoice choice) { return choice == ScanKernelChoice::Short ? "short" : "chunked"; }

using Optionals = merba::test::ScanOptionals;

// Inputs in MERba's ranges, made on the CPU: {u, delta, A, B, C, D, z, delta_bias}.
std::vector<at::Tensor> random_inputs(int64_t batch, int64_t dim, int64_t len, int64_t dstate, at::ScalarType dtype,
                                      const Optionals& o, uint64_t seed) {
  return merba::test::ScanInputs::random(batch, dim, len, dstate, dtype, o, seed).all();
}

SelectiveScanOptions options_for(const std::vector<at::Tensor>& t, const Optionals& o) {
  return SelectiveScanOptions().D(t[5]).z(t[6]).delta_bias(t[7]).delta_softplus(o.softplus).return_last_state(
      o.last_state);
}

// {out, last_state, du, ddelta, dA, dB, dC, dD, dz, ddelta_bias} of the operator on `device`, on the CPU.
std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs, const Optionals& o, const at::Tensor& upstream,
                            at::Device device) {
  std::vector<at::Tensor> leaves;
  for (const at::Tensor& t : inputs) {
    leaves.push_back(t.defined() ? t.detach().to(device).requires_grad_(true) : t);
  }
  auto r = selective_scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], options_for(leaves, o));
  EXPECT_TRUE(r.out.device() == device);
  (r.out * upstream.to(device, r.out.scalar_type())).sum().backward();
  std::vector<at::Tensor> result{r.out.detach().cpu(), r.last_state.defined() ? r.last_state.cpu() : r.last_state};
  for (const at::Tensor& leaf : leaves) result.push_back(leaf.defined() ? leaf.grad().cpu() : at::Tensor());
  return result;
}

const char* kNames[] = {"out", "last_state", "du", "ddelta", "dA", "dB", "dC", "dD", "dz", "ddelta_bias"};

void expect_cuda_matches_cpu(int64_t batch, int64_t dim, int64_t len, int64_t dstate, const Optionals& o,
                             at::ScalarType dtype, double tol) {
  const auto inputs = random_inputs(batch, dim, len, dstate, dtype, o, 1000 + len * 31 + dstate);
  const at::Tensor upstream = at::randn({batch, dim, len});
  const auto cpu = run(inputs, o, upstream, at::kCPU);
  for (ScanKernelChoice choice : {ScanKernelChoice::Chunked, ScanKernelChoice::Short}) {
    const KernelChoice scope(choice);  // Short falls back to the chunked kernels where it does not apply
    const auto cuda = run(inputs, o, upstream, kCuda);
    for (size_t i = 0; i < cpu.size(); ++i) {
      std::ostringstream what;
      what << kNames[i] << " at B=" << batch << " D=" << dim << " L=" << len << " N=" << dstate << " "
           << o.describe() << " " << dtype << " " << name_of(choice) << " kernels";
      if (cpu[i].defined()) EXPECT_TRUE(cuda[i].scalar_type() == cpu[i].scalar_type());
      EXPECT_CLOSE(cuda[i], cpu[i], tol, what.str());
    }
  }
}

std::vector<Optionals> optional_combinations() {
  return {{},
          {.D = true},
          {.z = true},
          {.delta_bias = true},
          {.softplus = true},
          {.last_state = true},
          {.D = true, .z = true, .delta_bias = true, .softplus = true, .last_state = true}};
}

const Optionals kEverything{.D = true, .z = true, .delta_bias = true, .softplus = true, .last_state = true};

}  // namespace

TEST(a_cuda_device_is_present) {
  EXPECT_TRUE(at::hasCUDA());
}

TEST(float32_forward_and_every_gradient_match_the_cpu_operator) {
  // D = 3: idle channel slots in the block (for L ≤ 64 sharing a warp with the real channels). Tolerance
  // of the spec: 1e-5.
  for (int64_t len : {1, 7, 49, 196}) {
    for (int64_t dstate : {1, 8, 16}) {
      for (const Optionals& o : optional_combinations()) expect_cuda_matches_cpu(2, 3, len, dstate, o, at::kFloat, 1e-5);
    }
  }
}

TEST(merba_sized_problems_match_the_cpu_operator) {
  // Many channel groups and batch rows, as MERba's windows produce (B·nWin, D, L, N); D = 128 walks four
  // channel tiles in the short backward, D = 37 leaves a partial one.
  expect_cuda_matches_cpu(64, 32, 49, 8, kEverything, at::kFloat, 1e-5);
  expect_cuda_matches_cpu(8, 128, 49, 8, kEverything, at::kFloat, 1e-5);
  expect_cuda_matches_cpu(16, 37, 49, 16, kEverything, at::kFloat, 1e-5);
  expect_cuda_matches_cpu(4, 33, 64, 8, kEverything, at::kFloat, 1e-5);
  expect_cuda_matches_cpu(16, 37, 196, 16, kEverything, at::kFloat, 1e-5);
}

TEST(the_short_backward_is_deterministic) {
  // dB and dC are summed over channels in a fixed order (no atomics): two runs agree bit for bit.
  const KernelChoice scope(ScanKernelChoice::Short);
  const auto inputs = random_inputs(32, 64, 49, 8, at::kFloat, kEverything, 77);
  const at::Tensor upstream = at::randn({32, 64, 49});
  const auto first = run(inputs, kEverything, upstream, kCuda);
  const auto second = run(inputs, kEverything, upstream, kCuda);
  for (size_t i = 0; i < first.size(); ++i) {
    if (first[i].defined()) EXPECT_CLOSE(second[i], first[i], 0.0, std::string(kNames[i]) + " of a second run");
  }
}

TEST(the_short_kernels_read_x_proj_views_of_B_and_C) {
  // The mixer's B and C: column views of x_proj's (B, L, R + 2N) output, n contiguous, R elements in. R = 4 (MERba's
  // at C = 64) puts every row on a 16-byte boundary, R = 2 on an 8-byte one, R = 1 on neither: the short kernels'
  // three ways of copying them.
  const KernelChoice scope(ScanKernelChoice::Short);
  auto t = random_inputs(4, 32, 49, 8, at::kFloat, kEverything, 19);
  for (auto& x : t) {
    if (x.defined()) x = x.to(kCuda);
  }
  for (int64_t rank : {4, 2, 1}) {
    const std::string label = "R = " + std::to_string(rank) + ": ";
    at::Tensor x_proj = at::randn({4, 49, rank + 16}, t[0].options());
    x_proj.narrow(2, rank, 8).copy_(t[3].transpose(1, 2));
    x_proj.narrow(2, rank + 8, 8).copy_(t[4].transpose(1, 2));
    x_proj.requires_grad_(true);
    const at::Tensor B = t[3].clone().requires_grad_(true), C = t[4].clone().requires_grad_(true);
    const at::Tensor B_view = x_proj.narrow(2, rank, 8).transpose(1, 2);
    const at::Tensor C_view = x_proj.narrow(2, rank + 8, 8).transpose(1, 2);
    auto viewed = selective_scan(t[0], t[1], t[2], B_view, C_view, options_for(t, kEverything));
    auto compact = selective_scan(t[0], t[1], t[2], B, C, options_for(t, kEverything));
    EXPECT_CLOSE(viewed.out, compact.out, 0.0, label + "out");
    const at::Tensor upstream = at::randn_like(compact.out);
    (viewed.out * upstream).sum().backward();
    (compact.out * upstream).sum().backward();
    EXPECT_CLOSE(x_proj.grad().narrow(2, rank, 8).transpose(1, 2), B.grad(), 0.0, label + "dB through the view");
    EXPECT_CLOSE(x_proj.grad().narrow(2, rank + 8, 8).transpose(1, 2), C.grad(), 0.0, label + "dC through the view");
  }
}

TEST(long_sequences_carry_state_across_chunks) {
  // L > 256: chunks of 256 with the state (forward) and the state gradient (backward) carried across.
  for (int64_t len : {257, 600}) expect_cuda_matches_cpu(2, 5, len, 8, kEverything, at::kFloat, 1e-5);
  expect_cuda_matches_cpu(1, 4, 1000, 16, {.D = true, .last_state = true}, at::kFloat, 1e-5);
}

TEST(half_precision_inputs_match_the_cpu_operator) {
  // Both compute in float32 from the same rounded inputs and round the results once: they differ by at
  // most about one unit in the last place of the low-precision type (bf16 2^-8, fp16 2^-11 relative), and
  // by summation order in the gradients summed over channels or steps.
  for (int64_t len : {7, 49, 196}) {
    expect_cuda_matches_cpu(2, 3, len, 8, kEverything, at::kBFloat16, 1e-2);
    expect_cuda_matches_cpu(2, 3, len, 8, kEverything, at::kHalf, 2e-3);
  }
}

TEST(float64_gradcheck_on_the_gpu) {
  struct Case { int64_t batch, dim, len, dstate; Optionals o; };
  // N = 8 and 16 at L ≤ 64 run the short kernels.
  for (const Case& c : {Case{2, 3, 5, 4, {}}, Case{2, 3, 5, 4, {.D = true, .z = true, .delta_bias = true, .softplus = true}},
                        Case{1, 2, 260, 2, {.D = true, .z = true}},
                        Case{2, 3, 9, 8, {.D = true, .z = true, .delta_bias = true, .softplus = true}},
                        Case{1, 2, 6, 16, {.D = true, .z = true}}}) {
    std::vector<at::Tensor> inputs = random_inputs(c.batch, c.dim, c.len, c.dstate, at::kDouble, c.o, 7);
    for (auto& t : inputs) {
      if (t.defined()) t = t.to(kCuda).requires_grad_(true);
    }
    merba::test::gradcheck(
        [&](const std::vector<at::Tensor>& t) {
          return selective_scan(t[0], t[1], t[2], t[3], t[4], options_for(t, c.o)).out;
        },
        inputs, 1e-6, 1e-7, 1e-5, __FILE__, __LINE__);
  }
}

TEST(strided_inputs_are_read_in_place) {
  const Optionals o{.D = true, .z = true};
  auto t = random_inputs(2, 4, 49, 8, at::kFloat, o, 17);
  for (auto& x : t) {
    if (x.defined()) x = x.to(kCuda);
  }
  const at::Tensor xz = at::cat({t[0], t[6]}, 1);
  const at::Tensor u_view = xz.narrow(1, 0, 4), z_view = xz.narrow(1, 4, 4);
  const at::Tensor B_view = t[3].transpose(1, 2).contiguous().transpose(1, 2);  // (B, N, L), N-contiguous
  auto strided = selective_scan(u_view, t[1], t[2], B_view, t[4], SelectiveScanOptions().D(t[5]).z(z_view));
  auto compact = selective_scan(t[0], t[1], t[2], t[3], t[4], SelectiveScanOptions().D(t[5]).z(t[6]));
  EXPECT_CLOSE(strided.out, compact.out, 0.0, "out");
}

TEST(channels_last_inputs_give_the_results_of_length_major_ones) {
  // The mixer's layout: u and z column views of one (B, L, 2D) tensor, delta a transposed (B, L, D) one, and the
  // output gradient as autograd passes it back through a concatenation (steps 2D apart). The short kernels read and
  // write them in place (their output and gradients come back channels-last); the chunked ones (L = 196, or chosen)
  // get length-major copies. The same arithmetic on the same values either way: equal bit for bit, but for the
  // chunked kernels' dB and dC, which they sum with atomics in a varying order.
  for (int64_t len : {49, 196}) {
    for (ScanKernelChoice choice : {ScanKernelChoice::Auto, ScanKernelChoice::Chunked}) {
      const KernelChoice scope(choice);
      const int64_t batch = 4, dim = 40;
      auto t = random_inputs(batch, dim, len, 8, at::kFloat, kEverything, 23);
      for (auto& x : t) {
        if (x.defined()) x = x.to(kCuda);
      }
      const at::Tensor uz = at::cat({t[0].transpose(1, 2), t[6].transpose(1, 2)}, 2);
      std::vector<at::Tensor> cl = t;
      cl[0] = uz.narrow(2, 0, dim).transpose(1, 2);
      cl[6] = uz.narrow(2, dim, dim).transpose(1, 2);
      cl[1] = t[1].transpose(1, 2).contiguous().transpose(1, 2);
      const at::Tensor grad_storage = at::randn({batch, len, 2 * dim}, t[0].options());
      const at::Tensor grad_cl = grad_storage.narrow(2, 0, dim).transpose(1, 2);
      std::vector<at::Tensor> results[2];
      const bool short_kernels = len <= 64 && choice == ScanKernelChoice::Auto;
      for (int layout = 0; layout < 2; ++layout) {
        std::vector<at::Tensor> leaves;
        for (const at::Tensor& x : layout == 0 ? t : cl) {
          leaves.push_back(x.defined() ? x.detach().requires_grad_(true) : x);
        }
        auto r = selective_scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4],
                                options_for(leaves, kEverything));
        if (layout == 1) EXPECT_TRUE(short_kernels == (r.out.stride(1) == 1));
        r.out.backward(layout == 0 ? grad_cl.contiguous() : grad_cl);
        results[layout] = {r.out.detach()};
        for (int i : {0, 1, 2, 3, 4, 5, 6, 7}) results[layout].push_back(leaves[i].grad());
        // An output that can be modified in place, as any operator's (not a view made inside the function).
        EXPECT_TRUE(selective_scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4],
                                   options_for(leaves, kEverything)).out.add_(1.0).defined());
      }
      for (size_t i = 0; i < results[0].size(); ++i) {
        const std::string what = i == 0 ? "out" : "gradient of input " + std::to_string(i - 1);
        const bool atomic_sum = !short_kernels && (i == 4 || i == 5);  // dB, dC of the chunked kernels
        EXPECT_CLOSE(results[1][i], results[0][i], atomic_sum ? 1e-6 : 0.0,
                     what + ", channels-last, L = " + std::to_string(len) +
                         (choice == ScanKernelChoice::Chunked ? ", chunked" : ""));
      }
    }
  }
}

TEST(inference_without_autograd_matches_the_autograd_path) {
  auto t = random_inputs(3, 6, 49, 8, at::kFloat, kEverything, 21);
  for (auto& x : t) {
    if (x.defined()) x = x.to(kCuda);
  }
  at::Tensor u = t[0].clone().requires_grad_(true);
  auto with_graph = selective_scan(u, t[1], t[2], t[3], t[4], options_for(t, kEverything));
  auto without = selective_scan(t[0], t[1], t[2], t[3], t[4], options_for(t, kEverything));
  EXPECT_CLOSE(without.out, with_graph.out.detach(), 0.0, "out");
  EXPECT_CLOSE(without.last_state, with_graph.last_state, 0.0, "last_state");
  EXPECT_TRUE(!with_graph.last_state.requires_grad());
}

TEST(d_state_above_16_is_refused) {
  auto t = random_inputs(1, 2, 8, 17, at::kFloat, {}, 5);
  for (auto& x : t) {
    if (x.defined()) x = x.to(kCuda);
  }
  EXPECT_THROWS_WITH(selective_scan(t[0], t[1], t[2], t[3], t[4]), c10::ValueError, "d_state (N) up to 16, got N = 17");
}

TEST(inputs_on_two_devices_are_refused) {
  auto t = random_inputs(1, 2, 8, 4, at::kFloat, {}, 5);
  EXPECT_THROWS_WITH(selective_scan(t[0].to(kCuda), t[1], t[2], t[3], t[4]), c10::ValueError, "all inputs must be on one device");
}
