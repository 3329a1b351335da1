// Times the CUDA selective scan against the plain-ops reference on the same GPU, and the forward's achieved
// memory bandwidth against a device-to-device copy, at MERba's shapes. Prints one Markdown table
// (scripts/gpu-check.sh runs it; docs/gpu.md explains the columns and the targets).
//
//   cuda_scan_bench [--min-seconds 0.2]
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
#include <string>

#include "ops/selective_scan.h"
#include "reference/selective_scan_reference.h"

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
};

struct Problem {
  at::Tensor u, delta, A, B, C, D, delta_bias;
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
  p.u = at::randn({s.batch, s.dim, s.len}, o).requires_grad_(requires_grad);
  p.delta = (at::randn({s.batch, s.dim, s.len}, o) * 0.5 - 2).requires_grad_(requires_grad);
  p.A = (-at::arange(1, s.dstate + 1, f).repeat({s.dim, 1})).requires_grad_(requires_grad);
  p.B = at::randn({s.batch, s.dstate, s.len}, o).requires_grad_(requires_grad);
  p.C = at::randn({s.batch, s.dstate, s.len}, o).requires_grad_(requires_grad);
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
  const at::Tensor upstream = at::randn_like(p.u);
  return seconds_per_call(
      [&] {
        merba::ops::SelectiveScanResult r = scan(p.u, p.delta, p.A, p.B, p.C, p.options());
        (r.out * upstream).sum().backward();
        for (const at::Tensor& t : {p.u, p.delta, p.A, p.B, p.C, p.D, p.delta_bias}) t.mutable_grad().reset();
      },
      min_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  double min_seconds = 0.2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--min-seconds") == 0) min_seconds = std::atof(argv[i + 1]);
  }
  if (!at::hasCUDA()) {
    std::fprintf(stderr, "cuda_scan_bench: no CUDA device\n");
    return 1;
  }
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  const double copy = copy_bandwidth(min_seconds);
  std::printf("GPU: %s; device-to-device copy: %.0f GB/s (read + write)\n\n", prop.name, copy * 1e-9);
  std::printf("| (B·nWin, D, L, N) | dtype | fwd kernel | fwd reference | fwd speed-up | fwd+bwd kernel | "
              "fwd+bwd reference | fwd+bwd speed-up | fwd GB/s | fwd %% of copy |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");

  const Shape shapes[] = {{2048, 32, 49, 8}, {512, 64, 196, 16}, {128, 32, 1024, 8}};
  bool target_speedup = true, target_bandwidth = true;
  for (const Shape& s : shapes) {
    for (at::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
      const Problem p = make_problem(s, dtype, true);
      const double fk = time_forward(merba::ops::selective_scan, p, min_seconds);
      const double fr = time_forward(merba::reference::selective_scan_reference, p, min_seconds);
      const double bk = time_forward_backward(merba::ops::selective_scan, p, min_seconds);
      const double br = time_forward_backward(merba::reference::selective_scan_reference, p, min_seconds);
      const double bandwidth = p.forward_bytes() / fk;
      std::printf("| (%ld, %ld, %ld, %ld) | %s | %.3f ms | %.3f ms | %.1f× | %.3f ms | %.3f ms | %.1f× | %.0f | %.0f%% |\n",
                  static_cast<long>(s.batch), static_cast<long>(s.dim), static_cast<long>(s.len),
                  static_cast<long>(s.dstate), dtype == at::kFloat ? "fp32" : "bf16", fk * 1e3, fr * 1e3, fr / fk,
                  bk * 1e3, br * 1e3, br / bk, bandwidth * 1e-9, 100 * bandwidth / copy);
      std::fflush(stdout);
      if (s.batch == 2048 && dtype == at::kFloat) {
        target_speedup = br / bk >= 20;
        target_bandwidth = bandwidth >= 0.5 * copy;
      }
    }
  }
  std::printf("\nTargets at (2048, 32, 49, 8) fp32: fwd+bwd ≥ 20× the reference: %s; fwd ≥ 50%% of copy bandwidth: %s\n",
              target_speedup ? "met" : "NOT met", target_bandwidth ? "met" : "NOT met");
  return 0;
}
