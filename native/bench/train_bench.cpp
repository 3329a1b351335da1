// Training steps of composite-28 (forward, DGCM loss, backward, clipping, AdamW) on random 28×28 inputs:
// samples/s from the median step time, as the LOSO runner drives TrainSession::step (batches built on the
// CPU; on a GPU they are copied there inside the step).
//
//   train_bench [--batch 32] [--threads 2] [--seconds 10] [--device cpu|cuda] [--scan-kernels auto|chunked|short]
//               [--cuda-graphs on|off]
//
// --scan-kernels (CUDA builds) chooses the selective-scan kernel family on the GPU (cuda/scan_launch_config.h);
// --cuda-graphs on replays each step's forward and backward as a CUDA graph (TrainSession::use_cuda_graphs).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "model/merba_net.h"
#include "train/train_session.h"
#ifdef MERBA_BENCH_WITH_CUDA
#include "cuda/scan_launch_config.h"
#endif

using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

int run(int argc, char** argv) {
  int64_t batch = 32;
  int threads = 2;
  double seconds = 10;
  std::string device = "cpu", kernels = "auto", graphs = "off";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--batch")) batch = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--device")) device = argv[i + 1];
    else if (!std::strcmp(argv[i], "--scan-kernels")) kernels = argv[i + 1];
    else if (!std::strcmp(argv[i], "--cuda-graphs") &&
             (!std::strcmp(argv[i + 1], "on") || !std::strcmp(argv[i + 1], "off")))
      graphs = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--batch B] [--threads N] [--seconds S] [--device cpu|cuda] "
                   "[--scan-kernels auto|chunked|short] [--cuda-graphs on|off]\n", argv[0]);
      return 2;
    }
  }
  if (kernels != "auto") {
#ifdef MERBA_BENCH_WITH_CUDA
    using merba::cuda::ScanKernelChoice;
    if (kernels != "chunked" && kernels != "short") {
      std::fprintf(stderr, "train_bench: --scan-kernels is auto, chunked or short, not %s\n", kernels.c_str());
      return 2;
    }
    merba::cuda::set_scan_kernel_choice(kernels == "short" ? ScanKernelChoice::Short : ScanKernelChoice::Chunked);
#else
    std::fprintf(stderr, "train_bench: --scan-kernels needs a CUDA build\n");
    return 2;
#endif
  }
  at::set_num_threads(threads);
  merba::model::MerbaNet net(merba::model::composite_28());
  merba::model::initialize(*net, 1);
  net->to(at::Device(device));
  merba::train::TrainingOptions options;
  options.total_steps = 1000000;
  merba::train::TrainSession session(net, options, 3);
  if (graphs == "on") session.use_cuda_graphs(true);
  at::manual_seed(0);
  const at::Tensor x = at::rand({batch, 3, 28, 28});
  const at::Tensor y = at::randint(0, 3, {batch}, at::TensorOptions().dtype(at::kLong));
  for (int i = 0; i < 5; ++i) session.step(x, y);
  std::vector<double> ms;
  const double cpu_start = cpu_seconds();
  const auto start = Clock::now();
  while (ms.size() < 10 || std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    const auto t0 = Clock::now();
    session.step(x, y);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  // CPU time per sample: less sensitive than wall time to other tenants of a shared host, for A/B runs.
  const double cpu_ms_per_sample = 1000.0 * (cpu_seconds() - cpu_start) / (static_cast<double>(ms.size()) * batch);
  std::sort(ms.begin(), ms.end());
  const double p50 = ms[ms.size() / 2];
  const merba::train::StepGraph* graph = session.step_graph();
  std::printf("composite-28 training step on %s (%s scan kernels%s), batch %lld, %d threads: %zu steps, p50 %.2f ms, "
              "p90 %.2f ms, %.1f samples/s, %.2f CPU ms per sample\n",
              device.c_str(), kernels.c_str(), graph ? ", CUDA graph" : "", static_cast<long long>(batch), threads,
              ms.size(), p50, ms[ms.size() * 9 / 10], 1000.0 * batch / p50, cpu_ms_per_sample);
  if (graph) {
    std::printf("  CUDA graph: %lld replays, %lld eager steps\n", static_cast<long long>(graph->replays()),
                static_cast<long long>(graph->eager_runs()));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a bad --device, no GPU, ...
    std::fprintf(stderr, "train_bench: %s\n", e.what());
    return 1;
  }
}
