// Times the CUDA selective scan — both kernel families, chunked and short (cuda/scan_launch_config.h) —
// against the plain-ops reference on the same GPU, and the forward's achieved memory bandwidth against a
// device-to-device copy, at MERba's shapes. Prints one Markdown table and, with --json, writes its figures
// (scripts/gpu-check.sh runs it; docs/gpu.md explains the columns and the targets). --profile instead runs
// each family once, forward and forward+backward, at (2048, 32, 49, 8) fp32 and times nothing: a short
// program for Nsight Compute and compute-sanitizer to look at.
//
//   cuda_scan_bench [--min-seconds 0.2] [--json FILE] [--profile]
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <fstream>
#include <string>


#include "cuda/scan_launch_config.h"
#include "cuda/scan_launch_inputs.h"
#include "ops/selective_scan.h"
#include "reference/selective_scan_reference.h"
#include "util/json.h"

namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

// Owns a CUDA event.
class Event {
 public:
  Event() { check(cudaEventCreate(&event_), "cudaEventCreate"); }
  ~Event() { cudaEventDestroy(event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void record() { check(cudaEventRecord(event_, c10::cuda::getCurrentCUDAStream()), "cudaEventRecord"); }
  float milliseconds_since(const Event& start) const {
    check(cudaEventSynchronize(event_), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start.event_, event_), "cudaEventElapsedTime");
    return ms;
  }

 private:
  cudaEvent_t event_{};
};

// Seconds per call of `body` on the current stream: warm-up, then enough calls for min_seconds.
double seconds_per_call(const std::function<void()>& body, double min_seconds) {
  body();
  Event start, stop;
  start.record();
  body();
  stop.record();
  const double once = std::max(1e-6, stop.milliseconds_since(start) * 1e-3);
  const int calls = static_cast<int>(std::clamp(min_seconds / once, 3.0, 2000.0));
  start.record();
  for (int i = 0; i < calls; ++i) body();
  stop.record();
  return stop.milliseconds_since(start) * 1e-3 / calls;
}

// Device-to-device copy bandwidth (bytes read + written per second): the practical peak.
double copy_bandwidth(double min_seconds) {
  const int64_t elements = int64_t(1) << 28;  // 1 GiB of float32
  const at::Tensor src = at::empty({elements}, at::TensorOptions().device(at::kCUDA).dtype(at::kFloat)).fill_(1);
  at::Tensor dst = at::empty_like(src);
  const double s = seconds_per_call([&] { dst.copy_(src); }, min_seconds);
  return 2.0 * elements * sizeof(float) / s;
}

struct Shape {
  int64_t batch, dim, len, dstate;
  bool x_proj_views = false;  // B and C as the mixer passes them: strided views of x_proj's output
  // u and delta as the mixer passes them since 2026-11-30: channels-last views (u a column view of a (B, L, 2D)
  // tensor, delta a transposed (B, L, D) one), and the output gradient channels-last too (the product's backward
  // hands it over dense, steps D apart; the mixer's has steps 2D apart, which the kernels read alike). The short
  // kernels read them in place; the chunked ones get length-major copies, which the mixer used to make itself.
  bool channels_last = false;
  std::string label() const {
    return std::string(x_proj_views ? " x_proj views" : "") + (channels_last ? " channels-last" : "");
  }
};

struct Problem {
  at::Tensor u, delta, A, B, C, D, delta_bias;
  at::Tensor upstream;  // the output gradient, in the layout the mixer's backward passes
  std::vector<at::Tensor> leaves;  // u, delta (or what they view), B and C (or the x_proj output they view)
  merba::ops::SelectiveScanOptions options() const {
    return merba::ops::SelectiveScanOptions().D(D).delta_bias(delta_bias).delta_softplus(true);
  }
  // Bytes the forward must move at least: read u, delta, B, C, write out (weights are negligible).
  double forward_bytes() const {
    return double(u.numel() * 3 + B.numel() * 2) * u.element_size();
  }
};

// MERba's mixer call: D, delta_bias and softplus on, no z (the mixer concatenates z instead of gating).
Problem make_problem(const Shape& s, at::ScalarType dtype, bool requires_grad) {
  at::manual_seed(0);
  const auto o = at::TensorOptions().device(at::kCUDA).dtype(dtype);
  const auto f = at::TensorOptions().device(at::kCUDA).dtype(at::kFloat);
  Problem p;
  if (s.channels_last) {
    const at::Tensor uz = at::randn({s.batch, s.len, 2 * s.dim}, o).requires_grad_(requires_grad);
    p.u = uz.narrow(2, 0, s.dim).transpose(1, 2);
    p.delta = (at::randn({s.batch, s.len, s.dim}, o) * 0.5 - 2).requires_grad_(requires_grad);
    p.leaves = {uz, p.delta};
    p.delta = p.delta.transpose(1, 2);
    p.upstream = at::randn({s.batch, s.len, 2 * s.dim}, o).narrow(2, 0, s.dim).transpose(1, 2);
  } else {
    p.u = at::randn({s.batch, s.dim, s.len}, o).requires_grad_(requires_grad);
    p.delta = (at::randn({s.batch, s.dim, s.len}, o) * 0.5 - 2).requires_grad_(requires_grad);
    p.leaves = {p.u, p.delta};
    p.upstream = at::randn({s.batch, s.dim, s.len}, o);
  }
  p.A = (-at::arange(1, s.dstate + 1, f).repeat({s.dim, 1})).requires_grad_(requires_grad);
  if (s.x_proj_views) {
    // (B, L, R + 2N) as the mixer's x_proj, with its R = ceil(C/16) for C = 2D (4 at D = 32: rows on 16-byte
    // boundaries; until 2026-11-30 (night) R = 2 here); B and C are its column views.
    const int64_t rank = (2 * s.dim + 15) / 16;
    const at::Tensor x_proj = at::randn({s.batch, s.len, rank + 2 * s.dstate}, o).requires_grad_(requires_grad);
    p.B = x_proj.narrow(2, rank, s.dstate).transpose(1, 2);
    p.C = x_proj.narrow(2, rank + s.dstate, s.dstate).transpose(1, 2);
    p.leaves.push_back(x_proj);
  } else {
    p.B = at::randn({s.batch, s.dstate, s.len}, o).requires_grad_(requires_grad);
    p.C = at::randn({s.batch, s.dstate, s.len}, o).requires_grad_(requires_grad);
    p.leaves.insert(p.leaves.end(), {p.B, p.C});
  }
  p.D = at::ones({s.dim}, f).requires_grad_(requires_grad);
  p.delta_bias = (at::rand({s.dim}, f) * 0.1).requires_grad_(requires_grad);
  return p;
}

using ScanFn = merba::ops::SelectiveScanResult (*)(const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                                   const at::Tensor&, const at::Tensor&,
                                                   const merba::ops::SelectiveScanOptions&);

double time_forward(ScanFn scan, const Problem& p, double min_seconds) {
  at::NoGradGuard no_grad;
  return seconds_per_call([&] { (void)scan(p.u, p.delta, p.A, p.B, p.C, p.options()); }, min_seconds);
}

double time_forward_backward(ScanFn scan, const Problem& p, double min_seconds) {
  return seconds_per_call(
      [&] {
        merba::ops::SelectiveScanResult r = scan(p.u, p.delta, p.A, p.B, p.C, p.options());
        (r.out * p.upstream).sum().backward();
        for (const at::Tensor& t : {p.A, p.D, p.delta_bias}) t.mutable_grad().reset();
        for (const at::Tensor& t : p.leaves) t.mutable_grad().reset();
      },
      min_seconds);
}

// Runs `body` with the backend's kernel choice set, then restores Auto.
template <typename Body>
double with_kernels(merba::cuda::ScanKernelChoice choice, Body body) {
  merba::cuda::set_scan_kernel_choice(choice);
  const double seconds = body();
  merba::cuda::set_scan_kernel_choice(merba::cuda::ScanKernelChoice::Auto);
  return seconds;
}

// One untimed call of each kernel family at MERba's shape (B and C contiguous, then as x_proj's views), for a
// profiler or a memory/race checker.
int profile_once() {
  using merba::cuda::ScanKernelChoice;
  // The mixer's channels-last layout with the short kernels only: the chunked ones would run on copies.
  for (const Shape& s : {Shape{2048, 32, 49, 8}, Shape{2048, 32, 49, 8, true}, Shape{2048, 32, 49, 8, true, true}}) {
    const Problem p = make_problem(s, at::kFloat, true);
    const at::Tensor& upstream = p.upstream;
    for (ScanKernelChoice choice : {ScanKernelChoice::Chunked, ScanKernelChoice::Short}) {
      if (s.channels_last && choice == ScanKernelChoice::Chunked) continue;
      with_kernels(choice, [&] {
        {
          at::NoGradGuard no_grad;
          (void)merba::ops::selective_scan(p.u, p.delta, p.A, p.B, p.C, p.options());
        }
        (merba::ops::selective_scan(p.u, p.delta, p.A, p.B, p.C, p.options()).out * upstream).sum().backward();
        return 0.0;  // nothing timed
      });
    }
  }
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  std::printf("cuda_scan_bench --profile: ran each kernel family at (2048, 32, 49, 8) fp32, both B/C layouts, and "
              "the short kernels on channels-last u and delta\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using merba::cuda::ScanKernelChoice;
  using merba::util::Json;
  double min_seconds = 0.2;
  std::string json_path;
  bool profile = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--profile") == 0) profile = true;
    else if (i + 1 < argc && std::strcmp(argv[i], "--min-seconds") == 0) min_seconds = std::atof(argv[++i]);
    else if (i + 1 < argc && std::strcmp(argv[i], "--json") == 0) json_path = argv[++i];
    else {
      std::fprintf(stderr, "usage: cuda_scan_bench [--min-seconds S] [--json FILE] [--profile]\n");
      return 2;
    }
  }
  if (!at::hasCUDA()) {
    std::fprintf(stderr, "cuda_scan_bench: no CUDA device\n");
    return 1;
  }
  if (profile) return profile_once();
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  const double copy = copy_bandwidth(min_seconds);
  std::printf("GPU: %s; device-to-device copy: %.0f GB/s (read + write)\n\n", prop.name, copy * 1e-9);
  std::printf("| (B·nWin, D, L, N) | dtype | fwd chunked | fwd short | fwd short GB/s | %% of copy | fwd+bwd chunked | "
              "fwd+bwd short | short / chunked | fwd+bwd reference | reference / best |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");

  const Shape shapes[] = {{2048, 32, 49, 8},  {2048, 32, 49, 8, true}, {2048, 32, 49, 8, true, true},
                          {512, 64, 49, 16},  {512, 64, 196, 16},      {128, 32, 1024, 8}};
  Json::Array rows;
  double merba_fp32_fwd_bwd = 0, merba_bf16_fwd_bwd = 0, merba_fraction = 0, merba_gain = 0;
  double mixer_fraction = 0, mixer_gain = 0;  // the same figures in the mixer's own layout (fp32)
  for (const Shape& s : shapes) {
    for (at::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
      const Problem p = make_problem(s, dtype, true);
      // The launch configuration's own test, on the problem's real layout (x_proj views included).
      const bool short_applies = merba::cuda::short_kernel_applies(
          merba::cuda::LaunchInputs(merba::ops::DeviceScanInputs{p.u, p.delta, p.A, p.B, p.C, p.D, {}, p.delta_bias, true})
              .params);
      const double fc = with_kernels(ScanKernelChoice::Chunked, [&] { return time_forward(merba::ops::selective_scan, p, min_seconds); });
      const double bc = with_kernels(ScanKernelChoice::Chunked, [&] { return time_forward_backward(merba::ops::selective_scan, p, min_seconds); });
      const double fs = short_applies ? with_kernels(ScanKernelChoice::Short, [&] { return time_forward(merba::ops::selective_scan, p, min_seconds); }) : fc;
      const double bs = short_applies ? with_kernels(ScanKernelChoice::Short, [&] { return time_forward_backward(merba::ops::selective_scan, p, min_seconds); }) : bc;
      const double br = time_forward_backward(merba::reference::selective_scan_reference, p, min_seconds);
      const double bandwidth = p.forward_bytes() / fs;
      const char* name = dtype == at::kFloat ? "fp32" : "bf16";
      std::printf("| (%ld, %ld, %ld, %ld)%s | %s | %.3f ms | %s%.3f ms | %.0f | %.0f%% | %.3f ms | %s%.3f ms | %.2f× | %.3f ms | %.1f× |\n",
                  static_cast<long>(s.batch), static_cast<long>(s.dim), static_cast<long>(s.len),
                  static_cast<long>(s.dstate), s.label().c_str(), name, fc * 1e3,
                  short_applies ? "" : "(n/a) ", fs * 1e3, bandwidth * 1e-9, 100 * bandwidth / copy, bc * 1e3,
                  short_applies ? "" : "(n/a) ", bs * 1e3, bc / bs, br * 1e3, br / std::min(bs, bc));
      std::fflush(stdout);
      rows.push_back(Json(Json::Object{{"batch", Json(s.batch)}, {"dim", Json(s.dim)}, {"len", Json(s.len)},
                                       {"dstate", Json(s.dstate)}, {"x_proj_views", Json(s.x_proj_views)},
                                       {"channels_last", Json(s.channels_last)},
                                       {"dtype", Json(name)}, {"forward_chunked_ms", Json(fc * 1e3)},
                                       {"forward_short_ms", Json(fs * 1e3)}, {"forward_gbps", Json(bandwidth * 1e-9)},
                                       {"forward_fraction_of_copy", Json(bandwidth / copy)},
                                       {"forward_backward_chunked_ms", Json(bc * 1e3)},
                                       {"forward_backward_short_ms", Json(bs * 1e3)},
                                       {"forward_backward_reference_ms", Json(br * 1e3)}}));
      if (s.batch == 2048 && s.channels_last && dtype == at::kFloat) {
        mixer_fraction = bandwidth / copy;
        mixer_gain = bc / bs;
      }
      if (s.batch == 2048 && !s.x_proj_views && !s.channels_last) {
        if (dtype == at::kFloat) {
          merba_fp32_fwd_bwd = bs;
          merba_fraction = bandwidth / copy;
          merba_gain = bc / bs;
        } else {
          merba_bf16_fwd_bwd = bs;
        }
      }
    }
  }
  const bool bandwidth_met = merba_fraction >= 0.5, gain_met = merba_gain >= 3,
             bf16_met = merba_bf16_fwd_bwd <= merba_fp32_fwd_bwd;
  std::printf("\nTargets at (2048, 32, 49, 8), short kernels: fwd ≥ 50%% of copy bandwidth (fp32): %.0f%%, %s; "
              "fwd+bwd ≥ 3× the chunked kernels (fp32): %.2f×, %s; bf16 at least as fast as fp32: %s\n",
              100 * merba_fraction, bandwidth_met ? "met" : "NOT met", merba_gain, gain_met ? "met" : "NOT met",
              bf16_met ? "met" : "NOT met");
  std::printf("In the mixer's layout (x_proj views, channels-last u and delta; its chunked figures include the copies "
              "the mixer made before): fwd %.0f%% of copy bandwidth, fwd+bwd %.2f× the chunked kernels\n",
              100 * mixer_fraction, mixer_gain);
  if (!json_path.empty()) {
    const Json doc(Json::Object{{"gpu", Json(std::string(prop.name))}, {"copy_gbps", Json(copy * 1e-9)},
                                {"rows", Json(rows)},
                                {"targets", Json(Json::Object{{"forward_fraction_of_copy", Json(merba_fraction)},
                                                              {"short_over_chunked_forward_backward", Json(merba_gain)},
                                                              {"bandwidth_met", Json(bandwidth_met)},
                                                              {"gain_met", Json(gain_met)},
                                                              {"bf16_met", Json(bf16_met)}})},
                                {"mixer_layout", Json(Json::Object{{"forward_fraction_of_copy", Json(mixer_fraction)},
                                                                   {"short_over_chunked", Json(mixer_gain)}})}});
    std::ofstream(json_path) << doc.dump() << "\n";
  }
  return 0;
}
