// Eval-mode forward of a MERba preset: throughput (samples/s) at batch 1 and 32 and single-sample latency
// p50/p99, as a JVM service would call it (no autograd).
//
//   model_bench [--preset composite-28|paper-224] [--threads 2] [--seconds 3]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "model/merba_net.h"
#include "model/model_summary.h"

using merba::model::MerbaNet;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<double> time_calls(MerbaNet& net, const at::Tensor& x, double seconds, int min_calls) {
  for (int i = 0; i < 5; ++i) net->forward(x);
  std::vector<double> ms;
  const auto start = Clock::now();
  while (static_cast<int>(ms.size()) < min_calls ||
         std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    const auto t0 = Clock::now();
    net->forward(x);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms;
}

double percentile(const std::vector<double>& sorted, double q) {
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * (sorted.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string preset = "composite-28";
  int threads = 2;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--preset")) preset = argv[i + 1];
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: %s [--preset composite-28|paper-224] [--threads N] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  at::set_num_threads(threads);
  MerbaNet net(preset == "paper-224" ? merba::model::paper_224() : merba::model::composite_28());
  merba::model::initialize(*net, 0);
  net->eval();
  at::NoGradGuard no_grad;
  const int64_t size = net->config().input_size;
  int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  std::printf("MERba %s (megc-3 labels), %lld parameters, eval forward, %d threads\n", preset.c_str(),
              static_cast<long long>(params), threads);
  std::printf("%-28s %12s\n", "metric", "value");
  for (int64_t batch : {1, 32}) {
    const at::Tensor x = at::rand({batch, 3, size, size});
    const auto ms = time_calls(net, x, seconds, batch == 1 ? 200 : 20);
    const double p50 = percentile(ms, 0.5);
    std::printf("throughput batch %-11lld %9.1f samples/s\n", static_cast<long long>(batch), 1000.0 * batch / p50);
    if (batch == 1) {
      std::printf("latency batch 1 p50         %9.3f ms\n", p50);
      std::printf("latency batch 1 p99         %9.3f ms   (%zu calls)\n", percentile(ms, 0.99), ms.size());
    }
  }
  return 0;
}
