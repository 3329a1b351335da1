// Times the fused selective scan against the plain-ops reference, forward and forward+backward, at the
// shapes MERba runs (B·nWin, D, L, N), and prints the ratios measured in this one run.
//
//   selective_scan_bench [--threads 2] [--min-seconds 0.5]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "ops/cpu/scan_cpu.h"
#include "ops/selective_scan.h"
#include "reference/selective_scan_reference.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Shape {
  int64_t batch, dim, len, dstate;
};

// Median seconds per call, after one warm-up call, over at least 3 calls and min_seconds.
double median_seconds(const std::function<void()>& body, double min_seconds) {
  body();
  std::vector<double> samples;
  const auto start = Clock::now();
  while (samples.size() < 3 || std::chrono::duration<double>(Clock::now() - start).count() < min_seconds) {
    const auto t0 = Clock::now();
    body();
    samples.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

using ScanFn = merba::ops::SelectiveScanResult (*)(const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                                   const at::Tensor&, const at::Tensor&,
                                                   const merba::ops::SelectiveScanOptions&);

struct Timing {
  double forward, forward_backward;
};

// MERba's mixer call: D, delta_bias and softplus on, no z (the mixer concatenates z instead of gating).
Timing time_scan(ScanFn scan, const Shape& s, double min_seconds) {
  at::manual_seed(0);
  const at::Tensor u = at::randn({s.batch, s.dim, s.len}).requires_grad_(true);
  const at::Tensor delta = (at::randn({s.batch, s.dim, s.len}) * 0.5 - 2).requires_grad_(true);
  const at::Tensor A = (-at::arange(1, s.dstate + 1, at::kFloat).repeat({s.dim, 1})).requires_grad_(true);
  const at::Tensor B = at::randn({s.batch, s.dstate, s.len}).requires_grad_(true);
  const at::Tensor C = at::randn({s.batch, s.dstate, s.len}).requires_grad_(true);
  const at::Tensor D = at::ones({s.dim}).requires_grad_(true);
  const at::Tensor bias = (at::rand({s.dim}) * 0.1).requires_grad_(true);
  const auto options = merba::ops::SelectiveScanOptions().D(D).delta_bias(bias).delta_softplus(true);
  const at::Tensor upstream = at::randn({s.batch, s.dim, s.len});
  Timing t;
  t.forward = median_seconds([&] {
    at::NoGradGuard no_grad;
    scan(u, delta, A, B, C, options);
  }, min_seconds);
  t.forward_backward = median_seconds([&] {
    scan(u, delta, A, B, C, options).out.backward(upstream);
    for (const at::Tensor& p : {u, delta, A, B, C, D, bias}) p.mutable_grad().reset();
  }, min_seconds);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  double min_seconds = 0.5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--min-seconds")) min_seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--threads N] [--min-seconds S]\n", argv[0]);
      return 2;
    }
  }
  at::set_num_threads(threads);
  std::printf("selective scan, CPU, %d threads, kernel variant '%s', median of >= %.1f s per cell\n", threads,
              merba::ops::cpu::to_string(merba::ops::cpu::cpu_capability()).c_str(), min_seconds);
  std::printf("options: D, delta_bias, softplus (MERba's mixer); float32\n\n");
  std::printf("%-20s %11s %11s %8s %11s %11s %8s %14s\n", "(B*nWin, D, L, N)", "fwd fused", "fwd ref",
              "ratio", "f+b fused", "f+b ref", "ratio", "f+b updates/s");
  const std::vector<Shape> shapes{{512, 32, 49, 8}, {128, 64, 49, 8}, {2048, 32, 49, 8}, {64, 128, 196, 8}};
  for (const Shape& s : shapes) {
    const Timing fused = time_scan(&merba::ops::selective_scan, s, min_seconds);
    const Timing ref = time_scan(&merba::reference::selective_scan_reference, s, min_seconds);
    const double updates = static_cast<double>(s.batch) * s.dim * s.len * s.dstate;
    char label[64];
    std::snprintf(label, sizeof label, "(%lld, %lld, %lld, %lld)", (long long)s.batch, (long long)s.dim,
                  (long long)s.len, (long long)s.dstate);
    std::printf("%-20s %9.3fms %9.3fms %7.1fx %9.3fms %9.3fms %7.1fx %14.3g\n", label, fused.forward * 1e3,
                ref.forward * 1e3, ref.forward / fused.forward, fused.forward_backward * 1e3,
                ref.forward_backward * 1e3, ref.forward_backward / fused.forward_backward,
                updates / fused.forward_backward);
    std::fflush(stdout);
  }
  std::printf("\nf+b updates/s = B*D*L*N / fused forward+backward time; ratio = reference time / fused time\n");
  return 0;
}
