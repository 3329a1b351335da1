// The CUDA scan kernels' own source, run on the CPU by the SIMT emulator (simt_emulator.h), against the CPU
// operator: forward, last state and every gradient, over the walking-skeleton shapes, several chunks, idle
// warps, strided inputs and half-precision inputs — for both kernel families (scan_launch_config.h): every
// case runs the chunked kernels, and the short ones too where they apply (L ≤ 64, N ∈ {8, 16}). Built wherever the CUDA toolkit's headers are found, so
// the kernels' algorithm is checked even where no GPU is (this is not a check of the GPU build itself:
// that is tests/cuda, run by scripts/gpu-check.sh).
#include <ATen/ATen.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>
#include <type_traits>

#include "ops/selective_scan.h"
#include "support/scan_cases.h"
#include "support/tensor_checks.h"

// The emulator after every other header (it defines threadIdx, __shared__, …), before the kernels.
#include "cuda_emulation/simt_emulator.h"

#include "cuda/scan_backward_kernel.cuh"
#include "cuda/scan_forward_kernel.cuh"
#include "cuda/scan_launch_config.h"
#include "cuda/scan_launch_inputs.h"
#include "cuda/scan_short_backward_kernel.cuh"
#include "cuda/scan_short_forward_kernel.cuh"

namespace cuda = merba::cuda;
using merba::ops::SelectiveScanOptions;

namespace {

using Optionals = merba::test::ScanOptionals;
using Inputs = merba::test::ScanInputs;

using cuda::ScanKernel;

const char* name_of(ScanKernel kernel) { return kernel == ScanKernel::Short ? "short kernel" : "chunked kernel"; }

// Emulates the short kernel `kernel_for(n, channels_last)` returns for p's d_state and layout, as the launchers pick
// it (scan_forward.cu, scan_backward.cu): n and channels_last as std::integral_constant.
template <typename T, typename Buffers, typename KernelFor>
void launch_short(const cuda::LaunchShape& s, const cuda::ScanParams& p, const Buffers& buffers, KernelFor kernel_for) {
  auto with_layout = [&](auto n) {
    if (p.channels_last) {
      merba::simt::launch(s.grid, s.block, s.shared_bytes, kernel_for(n, std::true_type{}), p, buffers);
    } else {
      merba::simt::launch(s.grid, s.block, s.shared_bytes, kernel_for(n, std::false_type{}), p, buffers);
    }
  };
  if (p.dstate == 8) with_layout(std::integral_constant<int, 8>{});
  else with_layout(std::integral_constant<int, 16>{});
}

// {out, last_state, du, ddelta, dA, dB, dC, dD, dz, ddelta_bias} from the emulated kernels of one family, with
// the weights (A, D, delta_bias) already in the compute type, and the buffers and launch shapes the CUDA
// backend and launchers use for that family.
template <typename T>
std::vector<at::Tensor> run_emulated(const Inputs& given, bool softplus, const at::Tensor& grad_out,
                                     ScanKernel kernel) {
  const bool chunked = kernel == ScanKernel::Chunked;
  merba::ops::DeviceScanInputs device_inputs{given.u, given.delta, given.A, given.B, given.C, given.D, given.z,
                                             given.delta_bias};
  device_inputs.delta_softplus = softplus;
  // The CUDA backend's own arrangement (channels-last inputs stay so for the short kernels only) and conversion to
  // kernel parameters.
  const merba::ops::DeviceScanInputs in = cuda::arranged(device_inputs, !chunked);
  const cuda::LaunchInputs launch(in);
  const cuda::ScanParams& p = launch.params;
  const auto compute = cuda::compute_dtype(in.u);

  const auto element = in.u.options().memory_format(c10::MemoryFormat::Contiguous);
  const auto acc = at::TensorOptions().dtype(compute);
  // Outputs start as NaN: an element a kernel fails to write shows. Per-step ones in the layout the backend uses.
  auto nan_per_step = [&] { return cuda::empty_per_step(p, element).fill_(NAN); };
  at::Tensor out = nan_per_step();
  at::Tensor states = at::empty({p.batch, p.dim, cuda::chunk_count(p.len), p.dstate}, acc);
  at::Tensor pregate = chunked && in.z.defined() ? at::empty({p.batch, p.dim, p.len}, acc) : at::Tensor();
  const cuda::ScanForwardBuffers fb{out.data_ptr(), states.data_ptr(), pregate.defined() ? pregate.data_ptr() : nullptr};
  const cuda::LaunchShape fs = cuda::forward_launch_shape(p, kernel);
  if (!chunked) {
    launch_short<T>(fs, p, fb, [](auto n, auto channels_last) {
      return cuda::scan_short_forward_kernel<T, decltype(n)::value, decltype(channels_last)::value>;
    });
  } else if (cuda::lanes_per_channel(p.len) == 8) {
    merba::simt::launch(fs.grid, fs.block, 0, cuda::scan_forward_kernel<T, 8>, p, fb);
  } else {
    merba::simt::launch(fs.grid, fs.block, 0, cuda::scan_forward_kernel<T, 32>, p, fb);
  }

  const at::Tensor go = cuda::arranged_grad(grad_out.to(in.u.scalar_type()), p.channels_last);
  at::Tensor du = nan_per_step(), ddelta = nan_per_step();
  at::Tensor dz = in.z.defined() ? nan_per_step() : at::Tensor();
  // Chunked: accumulated into zeros of the compute type; short: written once in the element type.
  at::Tensor dB = chunked ? at::zeros({p.batch, p.dstate, p.len}, acc) : at::full({p.batch, p.dstate, p.len}, NAN, element);
  at::Tensor dC = chunked ? at::zeros_like(dB) : at::full_like(dB, NAN);
  at::Tensor dA = at::full({p.batch, p.dim, p.dstate}, NAN, acc);
  at::Tensor dD = in.D.defined() ? at::full({p.batch, p.dim}, NAN, acc) : at::Tensor();
  at::Tensor dbias = in.delta_bias.defined() ? at::full({p.batch, p.dim}, NAN, acc) : at::Tensor();
  cuda::ScanBackwardBuffers bb;
  bb.grad_out = go.const_data_ptr();
  bb.grad_out_stride_b = go.stride(0);
  bb.grad_out_stride_l = go.stride(2);
  bb.states = chunked ? states.const_data_ptr() : nullptr;
  bb.pregate = cuda::ptr(pregate);
  bb.du = du.data_ptr();
  bb.ddelta = ddelta.data_ptr();
  bb.dz = dz.defined() ? dz.data_ptr() : nullptr;
  bb.dB = dB.data_ptr();
  bb.dC = dC.data_ptr();
  bb.dA = dA.data_ptr();
  bb.dD = dD.defined() ? dD.data_ptr() : nullptr;
  bb.ddelta_bias = dbias.defined() ? dbias.data_ptr() : nullptr;
  const cuda::LaunchShape bs = cuda::backward_launch_shape(p, kernel);
  if (!chunked) {
    launch_short<T>(bs, p, bb, [](auto n, auto channels_last) {
      return cuda::scan_short_backward_kernel<T, decltype(n)::value, decltype(channels_last)::value>;
    });
  } else if (cuda::lanes_per_channel(p.len) == 8) {
    merba::simt::launch(bs.grid, bs.block, 0, cuda::scan_backward_kernel<T, 8>, p, bb);
  } else {
    merba::simt::launch(bs.grid, bs.block, 0, cuda::scan_backward_kernel<T, 32>, p, bb);
  }

  auto sum_or_undefined = [](const at::Tensor& t) { return t.defined() ? t.sum(0) : t; };
  return {out, states.select(2, states.size(2) - 1), du, ddelta, dA.sum(0), dB, dC, sum_or_undefined(dD),
          dz, sum_or_undefined(dbias)};
}

// The same quantities from the CPU operator with autograd.
std::vector<at::Tensor> run_cpu(const Inputs& in, bool softplus, const at::Tensor& grad_out) {
  std::vector<at::Tensor> leaves;
  for (const at::Tensor& t : {in.u, in.delta, in.A, in.B, in.C, in.D, in.z, in.delta_bias}) {
    leaves.push_back(t.defined() ? t.detach().clone().requires_grad_(true) : t);
  }
  auto r = merba::ops::selective_scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4],
                                      SelectiveScanOptions().D(leaves[5]).z(leaves[6]).delta_bias(leaves[7])
                                          .delta_softplus(softplus).return_last_state(true));
  (r.out * grad_out.to(r.out.scalar_type())).sum().backward();
  std::vector<at::Tensor> result{r.out.detach(), r.last_state};
  for (const at::Tensor& leaf : leaves) result.push_back(leaf.defined() ? leaf.grad() : at::Tensor());
  return result;
}

const char* kNames[] = {"out", "last_state", "du", "ddelta", "dA", "dB", "dC", "dD", "dz", "ddelta_bias"};

at::Tensor as_double(const at::Tensor& t) { return t.defined() ? t.to(at::kDouble) : t; }

// Each kernel family that applies to the case (the chunked one always) against the CPU operator, for the output
// gradient `grad_out` (random where undefined).
template <typename T>
void expect_emulated_matches_cpu(const Inputs& in, const Optionals& o, double tol, const std::string& label,
                                 at::Tensor grad_out = {}) {
  if (!grad_out.defined()) grad_out = at::randn(in.u.sizes());
  const auto cpu = run_cpu(in, o.softplus, grad_out);
  merba::ops::DeviceScanInputs device_inputs{in.u, in.delta, in.A, in.B, in.C, in.D, in.z, in.delta_bias};
  const bool short_applies = cuda::short_kernel_applies(cuda::LaunchInputs(device_inputs).params);
  for (ScanKernel kernel : {ScanKernel::Chunked, ScanKernel::Short}) {
    if (kernel == ScanKernel::Short && !short_applies) continue;
    const auto emulated = run_emulated<T>(in, o.softplus, grad_out, kernel);
    for (size_t i = 0; i < cpu.size(); ++i) {
      EXPECT_CLOSE(as_double(emulated[i]), as_double(cpu[i]), tol,
                   std::string(kNames[i]) + " " + label + " " + o.describe() + " " + name_of(kernel));
    }
  }
}

std::string shape_label(int64_t b, int64_t d, int64_t l, int64_t n) {
  std::ostringstream s;
  s << "B=" << b << " D=" << d << " L=" << l << " N=" << n;
  return s.str();
}

// B and C, (B, N, L), replaced by the same values as the mixer takes them: column views of an x_proj-shaped
// (B, L, R + 2N) tensor, n contiguous and starting R elements in. The short kernels copy rows on 16-byte boundaries
// (MERba's R = C/16 = 4 at C = 64) in 16-byte pieces, on 8-byte ones (R = 2) in 8-byte pieces, others (R = 1)
// element by element.
void view_B_C_through_x_proj(Inputs& in, int64_t rank = 2) {
  const int64_t batch = in.B.size(0), dstate = in.B.size(1), len = in.B.size(2);
  const at::Tensor x_proj = at::randn({batch, len, rank + 2 * dstate}, in.B.options());
  x_proj.narrow(2, rank, dstate).copy_(in.B.transpose(1, 2));
  x_proj.narrow(2, rank + dstate, dstate).copy_(in.C.transpose(1, 2));
  in.B = x_proj.narrow(2, rank, dstate).transpose(1, 2);
  in.C = x_proj.narrow(2, rank + dstate, dstate).transpose(1, 2);
}

const Optionals kEverything{.D = true, .z = true, .delta_bias = true, .softplus = true};

}  // namespace

TEST(emulated_float32_kernels_match_the_cpu_operator) {
  // D = 5: for L ≤ 64 one block of 16 channel slots with 11 idle ones, some sharing a warp with real
  // channels; for longer L two blocks of 4, the second with three idle warps. Each emulated block is 128 OS threads
  // meeting at every shuffle, so the sweep is kept small (the GPU tests sweep N ∈ {1, 8, 16} in full).
  for (int64_t len : {1, 7, 49}) {
    for (int64_t dstate : {1, 8}) {
      for (const Optionals& o : {Optionals{}, kEverything}) {
        const Inputs in = Inputs::random(2, 5, len, dstate, at::kFloat, o, 100 + len + dstate);
        expect_emulated_matches_cpu<float>(in, o, 1e-5, shape_label(2, 5, len, dstate));
      }
    }
  }
  const Inputs largest_state = Inputs::random(1, 3, 49, 16, at::kFloat, kEverything, 165);
  expect_emulated_matches_cpu<float>(largest_state, kEverything, 1e-5, shape_label(1, 3, 49, 16));
  const Inputs two_blocks = Inputs::random(1, 20, 49, 4, at::kFloat, kEverything, 166);  // 16 + 4 channels
  expect_emulated_matches_cpu<float>(two_blocks, kEverything, 1e-5, shape_label(1, 20, 49, 4));
  for (const Optionals& o : {Optionals{.D = true}, Optionals{.z = true}, Optionals{.delta_bias = true},
                             Optionals{.softplus = true}}) {
    const Inputs in = Inputs::random(2, 3, 49, 8, at::kFloat, o, 5);
    expect_emulated_matches_cpu<float>(in, o, 1e-5, shape_label(2, 3, 49, 8));
  }
}

TEST(emulated_long_windows_and_several_chunks_match_the_cpu_operator) {
  // 64 and 65: the two lane layouts at their boundary; 196: one chunk of 256 (8 steps on each of 32 lanes);
  // 300 and 520: two and three chunks with carried state.
  for (int64_t len : {64, 65, 196, 300, 520}) {
    const Inputs in = Inputs::random(1, 3, len, 4, at::kFloat, kEverything, 200 + len);
    expect_emulated_matches_cpu<float>(in, kEverything, 1e-5, shape_label(1, 3, len, 4));
  }
}

TEST(emulated_float64_kernels_match_the_cpu_operator) {
  const Inputs in = Inputs::random(2, 3, 70, 4, at::kDouble, kEverything, 9);
  expect_emulated_matches_cpu<double>(in, kEverything, 1e-12, shape_label(2, 3, 70, 4));
  const Inputs short_in = Inputs::random(2, 3, 49, 8, at::kDouble, kEverything, 10);  // the short kernels too
  expect_emulated_matches_cpu<double>(short_in, kEverything, 1e-12, shape_label(2, 3, 49, 8));
  for (int64_t rank : {2, 1}) {  // x_proj rows of doubles on 16- and 8-byte boundaries: pieces of 2 and 1
    Inputs viewed = short_in;
    view_B_C_through_x_proj(viewed, rank);
    expect_emulated_matches_cpu<double>(viewed, kEverything, 1e-12, "x_proj views, R = " + std::to_string(rank));
  }
}

TEST(emulated_short_kernels_walk_several_channel_tiles) {
  // Forward tiles of 64 channels, backward tiles of 32 looped inside one block per batch row: D = 40 gives
  // the backward a full tile and a partial one (dB, dC summed over both); D = 70 gives the forward two
  // blocks. L = 64 (the short kernels' limit, the last segment full) and 50 (an even length: padded pitch).
  for (const auto& [dim, len, dstate] : {std::tuple<int64_t, int64_t, int64_t>{40, 49, 8}, {70, 64, 8}, {40, 50, 16}}) {
    const Inputs in = Inputs::random(2, dim, len, dstate, at::kFloat, kEverything, 300 + dim + len);
    expect_emulated_matches_cpu<float>(in, kEverything, 1e-5, shape_label(2, dim, len, dstate));
  }
}

TEST(emulated_kernels_read_x_proj_views_and_unaligned_inputs) {
  // B and C as the mixer takes them: column views of x_proj's (B, L, R + 2N) output, n contiguous, starting
  // R = 2 elements in (8-byte pieces; the channels-last test covers the other row alignments); u starting one
  // element into its storage (the scalar staging path) and delta with rows padded apart.
  const int64_t batch = 2, dim = 5, len = 49, dstate = 8;
  Inputs in = Inputs::random(batch, dim, len, dstate, at::kFloat, kEverything, 31);
  view_B_C_through_x_proj(in);
  const at::Tensor storage = at::empty({batch * dim * len + 1});
  in.u = storage.narrow(0, 1, batch * dim * len).view({batch, dim, len}).copy_(in.u);
  in.delta = at::cat({in.delta, at::zeros({batch, dim, 3})}, 2).narrow(2, 0, len);
  expect_emulated_matches_cpu<float>(in, kEverything, 1e-5, "x_proj views of B, C; unaligned u; padded delta");
}

TEST(emulated_kernels_read_strided_inputs_in_place) {
  Inputs in = Inputs::random(2, 4, 33, 8, at::kFloat, kEverything, 17);
  const at::Tensor uz = at::cat({in.u, in.z}, 1);
  in.u = uz.narrow(1, 0, 4);
  in.z = uz.narrow(1, 4, 4);
  in.B = in.B.transpose(1, 2).contiguous().transpose(1, 2);  // (B, N, L) with N contiguous
  expect_emulated_matches_cpu<float>(in, kEverything, 1e-5, "strided u, z, B");
}

TEST(emulated_half_precision_kernels_match_the_cpu_operator) {
  // Both compute in float32 from the same rounded inputs and round once: about one unit in the last place.
  for (at::ScalarType dtype : {at::kBFloat16, at::kHalf}) {
    Inputs in = Inputs::random(2, 3, 49, 8, at::kFloat, kEverything, 23);
    for (at::Tensor* t : {&in.u, &in.delta, &in.B, &in.C, &in.z}) *t = t->to(dtype);
    if (dtype == at::kBFloat16) expect_emulated_matches_cpu<__nv_bfloat16>(in, kEverything, 1e-2, "bf16");
    else expect_emulated_matches_cpu<__half>(in, kEverything, 2e-3, "fp16");
  }
}

namespace {

// u, delta and z as MERba's mixer has them since 2026-11-30: channels-last, u and z column views of one
// (B, L, 2D) tensor (rows 2D apart, as the two halves of the depthwise convolution's output), delta the transpose
// of a contiguous (B, L, D) tensor.
void make_channels_last(Inputs& in) {
  const int64_t batch = in.u.size(0), dim = in.u.size(1), len = in.u.size(2);
  const at::Tensor uz = at::empty({batch, len, 2 * dim}, in.u.options());
  uz.narrow(2, 0, dim).copy_(in.u.transpose(1, 2));
  in.u = uz.narrow(2, 0, dim).transpose(1, 2);
  if (in.z.defined()) {
    uz.narrow(2, dim, dim).copy_(in.z.transpose(1, 2));
    in.z = uz.narrow(2, dim, dim).transpose(1, 2);
  }
  in.delta = in.delta.transpose(1, 2).contiguous().transpose(1, 2);
}

// An output gradient laid out as autograd passes it back through the mixer's concatenation: unit stride along D,
// steps 2D apart.
at::Tensor channels_last_grad(int64_t batch, int64_t dim, int64_t len) {
  return at::randn({batch, len, 2 * dim}).narrow(2, 0, dim).transpose(1, 2);
}

}  // namespace

TEST(emulated_kernels_read_and_write_channels_last_in_place) {
  // The short kernels stage channels-last tiles and write channels-last outputs and gradients; the chunked ones
  // get length-major copies (cuda::arranged). Shapes as in the channel-tile test (several tiles, L = 64, an even
  // L, N = 16), a D that is not a whole warp, L = 3 and 63 (the forward's ring of 4 prefetched steps never full, and
  // ending one short), L = 5 and 8 (a full ring but no unchecked round, and exactly one), and half precision; with
  // and without a gate.
  for (const auto& [dim, len, dstate] :
       {std::tuple<int64_t, int64_t, int64_t>{40, 49, 8}, {70, 64, 8}, {40, 50, 16}, {5, 49, 8}, {5, 3, 8},
        {70, 63, 16}, {40, 5, 8}, {40, 8, 8}}) {
    for (const Optionals& o : {kEverything, Optionals{.D = true, .delta_bias = true, .softplus = true}}) {
      Inputs in = Inputs::random(2, dim, len, dstate, at::kFloat, o, 500 + dim + len);
      make_channels_last(in);
      // Rows of B and C on 16-byte (R = 4), 8-byte (R = 2) and 4-byte (R = 1) boundaries: each of their copy paths.
      view_B_C_through_x_proj(in, dim == 40 ? 4 : dim == 70 ? 2 : 1);
      EXPECT_TRUE(cuda::is_channels_last({in.u, in.delta, in.A, in.B, in.C, in.D, in.z, in.delta_bias}));
      expect_emulated_matches_cpu<float>(in, o, 1e-5, "channels-last " + shape_label(2, dim, len, dstate),
                                         channels_last_grad(2, dim, len));
    }
  }
  for (at::ScalarType dtype : {at::kBFloat16, at::kHalf}) {
    Inputs in = Inputs::random(2, 40, 49, 8, at::kFloat, kEverything, 29);
    for (at::Tensor* t : {&in.u, &in.delta, &in.B, &in.C, &in.z}) *t = t->to(dtype);
    make_channels_last(in);
    const at::Tensor grad = channels_last_grad(2, 40, 49);
    if (dtype == at::kBFloat16) expect_emulated_matches_cpu<__nv_bfloat16>(in, kEverything, 1e-2, "bf16 cl", grad);
    else expect_emulated_matches_cpu<__half>(in, kEverything, 2e-3, "fp16 channels-last", grad);
  }
}

namespace {

// Inputs laid out as MERba's mixer passes them: u and delta contiguous (B, D, L), B and C column views of x_proj's
// (B, L, R + 2N) output with the mixer's R = ceil(C/16), C = 2D (16-byte aligned rows), no gate. Converted to half
// precision, B and C come out as contiguous (L, N) rows instead (.to() of a view that is not dense), the other layout
// of the 16-byte B/C path.
Inputs mixer_layout(int64_t batch, int64_t dim, int64_t len, int64_t dstate, at::ScalarType dtype, uint64_t seed) {
  const Optionals o{.D = true, .delta_bias = true, .softplus = true};
  Inputs in = Inputs::random(batch, dim, len, dstate, at::kFloat, o, seed);
  view_B_C_through_x_proj(in, (2 * dim + 15) / 16);
  for (at::Tensor* t : {&in.u, &in.delta, &in.B, &in.C}) *t = t->to(dtype);
  return in;
}

// Shared-memory wavefronts of the short forward and backward (launches 0 and 1) on `in`.
template <typename T>
std::pair<merba::simt::Wavefronts, merba::simt::Wavefronts> short_kernel_wavefronts(const Inputs& in) {
  const merba::simt::SharedAccessLog log;
  run_emulated<T>(in, true, at::randn(in.u.sizes()), ScanKernel::Short);
  return {merba::simt::bank_wavefronts(log.of_launch(0)), merba::simt::bank_wavefronts(log.of_launch(1))};
}

// One warp: lane i's value j is 1000·(i + 1) + j, and the lane writes what warp_transpose_sum returns it.
template <int kV>
void transpose_sum_kernel(float* out) {
  const int lane = static_cast<int>(threadIdx.x);
  float v[kV];
  for (int j = 0; j < kV; ++j) v[j] = 1000.0f * static_cast<float>(lane + 1) + static_cast<float>(j);
  out[lane] = cuda::warp_transpose_sum(v, lane);
}

template <int kV>
void expect_transpose_sums() {
  std::vector<float> out(32, NAN);
  merba::simt::launch(dim3(1), dim3(32), 0, transpose_sum_kernel<kV>, out.data());
  // Σ_i 1000·(i + 1) + j over 32 lanes = 528000 + 32·j, exact in float; lane i holds value i / (32 / kV).
  for (int lane = 0; lane < 32; ++lane) {
    const int j = lane / (32 / kV);
    EXPECT_EQ(static_cast<double>(out[lane]), 528000.0 + 32.0 * j);
  }
}

}  // namespace

TEST(warp_transpose_sum_leaves_each_lane_its_sum_over_the_warp) {
  // The short backward sums a step's 2N dB and dC contributions over its 32 channels this way (kV = 16, 32);
  // the other widths check the rounds' bookkeeping.
  expect_transpose_sums<2>();
  expect_transpose_sums<8>();
  expect_transpose_sums<16>();
  expect_transpose_sums<32>();
}

TEST(float_softplus_and_its_derivative_stay_within_a_few_ulp_of_double_precision) {
  // The kernels' float softplus (log1p_unit of one exp2) and softplus_grad_from_value (a series below 1/2, one exp2
  // above), against log1p(exp(x)) and −expm1(−s) in double, over every 1/64 from −40 to 40 and small magnitudes,
  // in ulp of the float result. Bound: 4 ulp. Here exp2 is the CPU's exp2f (≤ 1 ulp) and the division exact; on a GPU
  // ex2.approx adds up to 2 ulp and divide_in_unit_range's reciprocal-and-correction under 1, which this cannot see.
  auto ulps = [](double got, double want) {
    const float w = static_cast<float>(want);
    const double ulp = std::nextafter(w, std::numeric_limits<float>::infinity()) - w;
    return std::abs(got - want) / ulp;
  };
  std::vector<float> xs;
  for (int i = -40 * 64; i <= 40 * 64; ++i) xs.push_back(static_cast<float>(i) / 64.0f);
  for (float tiny : {1e-30f, 1e-12f, 1e-6f, 3e-3f, 0.4999f, 0.5f, 19.999f, 20.0f, 20.001f}) {
    xs.push_back(tiny);
    xs.push_back(-tiny);
  }
  double worst_softplus = 0, worst_grad = 0;
  for (float x : xs) {
    const double want = x > 20.0f ? double(x) : std::log1p(std::exp(double(x)));
    worst_softplus = std::max(worst_softplus, ulps(cuda::softplus(x), want));
    if (x > 0.0f) {
      const double grad_want = x > 20.0f ? 1.0 : -std::expm1(-double(x));
      worst_grad = std::max(worst_grad, ulps(cuda::softplus_grad_from_value(x), grad_want));
    }
  }
  std::printf("         worst: softplus %.2f ulp, its derivative from the value %.2f ulp\n", worst_softplus,
              worst_grad);
  EXPECT_TRUE(worst_softplus <= 4.0);
  EXPECT_TRUE(worst_grad <= 4.0);
  // The ends, as log1p(exp(x)) gives them: 0 far below (e^x underflows; not NaN), x far above, NaN for NaN.
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (float x : {-kInf, -std::numeric_limits<float>::max(), -1e30f, -200.0f}) {
    EXPECT_EQ(static_cast<double>(cuda::softplus(x)), 0.0);
  }
  EXPECT_EQ(static_cast<double>(cuda::softplus(kInf)), static_cast<double>(kInf));
  EXPECT_EQ(static_cast<double>(cuda::softplus(1e30f)), static_cast<double>(1e30f));
  EXPECT_TRUE(std::isnan(cuda::softplus(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(static_cast<double>(cuda::softplus_grad_from_value(0.0f)), 0.0);
  EXPECT_EQ(static_cast<double>(cuda::softplus_grad_from_value(kInf)), 1.0);
  EXPECT_TRUE(std::isnan(cuda::softplus_grad_from_value(std::numeric_limits<float>::quiet_NaN())));
}

TEST(bank_wavefronts_count_conflicts_as_the_hardware_serves_them) {
  using merba::simt::SharedAccess;
  auto warp = [](unsigned bytes, auto offset_of_lane) {
    std::vector<SharedAccess> accesses;
    for (unsigned lane = 0; lane < 32; ++lane) accesses.push_back({0, 0, 0, 0, 0, lane, offset_of_lane(lane), bytes});
    return merba::simt::bank_wavefronts(accesses);
  };
  // 4-byte accesses: consecutive words one wavefront; a stride of 4 words four (lanes 0, 8, 16, 24 share a bank);
  // a stride of 32 words thirty-two; all lanes on one word, a broadcast, one.
  EXPECT_EQ(warp(4, [](unsigned l) { return std::ptrdiff_t(4 * l); }).taken, 1L);
  EXPECT_EQ(warp(4, [](unsigned l) { return std::ptrdiff_t(16 * l); }).taken, 4L);
  EXPECT_EQ(warp(4, [](unsigned l) { return std::ptrdiff_t(128 * l); }).taken, 32L);
  EXPECT_EQ(warp(4, [](unsigned) { return std::ptrdiff_t(8); }).taken, 1L);
  // 16-byte accesses, one request per quarter-warp: contiguous, four wavefronts, none wasted; two pieces per lane
  // stored first-piece-first (lanes i and i + 4 of a quarter on the same banks), eight, half of them wasted.
  const merba::simt::Wavefronts contiguous = warp(16, [](unsigned l) { return std::ptrdiff_t(16 * l); });
  EXPECT_EQ(contiguous.taken, 4L);
  EXPECT_EQ(contiguous.excess(), 0.0);
  const merba::simt::Wavefronts pieces = warp(16, [](unsigned l) { return std::ptrdiff_t(32 * l); });
  EXPECT_EQ(pieces.taken, 8L);
  EXPECT_EQ(pieces.excess(), 1.0);
}

TEST(short_kernels_move_their_row_tiles_without_bank_conflicts) {
  // MERba's shape per window batch (D = 64: one forward block of 64 channels, two backward tiles of 32), float
  // (B, C as x_proj views) and half precision (B, C as contiguous (L, N) rows), the results checked against the CPU
  // operator too. Every marked shared-memory access of the forward (the u, delta and output tiles; B and C) takes
  // the fewest wavefronts; so do the backward's (row tiles, each step's dB and dC sums added into one row of 2N + 1,
  // and their write-out along l, rows an odd number of words apart). Before scan_short_tile.cuh's 16-byte pieces,
  // every tile store was a 4-way (fp32) or 8-way (half) conflict; before dB and dC shared one row, the write-out
  // conflicted where a warp wrapped from one n to the next (2.6 %).
  // Both kernels' accesses take the fewest wavefronts (and some are marked at all).
  auto expect_fewest = [](const std::string& label,
                          const std::pair<merba::simt::Wavefronts, merba::simt::Wavefronts>& launches) {
    const auto& [forward, backward] = launches;
    std::printf("         %s: forward %ld wavefronts (fewest %ld, excess %.1f %%), backward %ld (fewest %ld, "
                "excess %.1f %%)\n", label.c_str(), forward.taken, forward.fewest, 100 * forward.excess(),
                backward.taken, backward.fewest, 100 * backward.excess());
    EXPECT_TRUE(forward.fewest > 0 && backward.fewest > 0);
    EXPECT_EQ(forward.taken, forward.fewest);
    EXPECT_EQ(backward.taken, backward.fewest);
  };
  for (bool channels_last : {false, true}) {
    for (at::ScalarType dtype : {at::kFloat, at::kHalf}) {
      Inputs in = mixer_layout(2, 64, 49, 8, dtype, 41);
      if (channels_last) make_channels_last(in);
      const Optionals used{.D = true, .delta_bias = true, .softplus = true};
      if (dtype == at::kFloat) expect_emulated_matches_cpu<float>(in, used, 1e-5, "mixer layout");
      else expect_emulated_matches_cpu<__half>(in, used, 2e-3, "mixer layout, fp16");
      expect_fewest(std::string(c10::toString(dtype)) + (channels_last ? " channels-last" : ""),
                    dtype == at::kFloat ? short_kernel_wavefronts<float>(in) : short_kernel_wavefronts<__half>(in));
    }
  }
  // B and C's other copy paths: x_proj rows on 8-byte boundaries (R = 2, 8-byte pieces) and on neither (R = 1,
  // element by element), float, in the mixer's channels-last layout.
  for (int64_t rank : {2, 1}) {
    Inputs in = Inputs::random(2, 64, 49, 8, at::kFloat, {.D = true, .delta_bias = true, .softplus = true}, 43);
    view_B_C_through_x_proj(in, rank);
    make_channels_last(in);
    expect_fewest("Float channels-last, x_proj rows at R = " + std::to_string(rank),
                  short_kernel_wavefronts<float>(in));
  }
}
