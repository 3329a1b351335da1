// Runs a fold plan (train/fold_plan.h) written by the Java API (`merba loso|cv --export-plan FILE`) with the
// native fold loop, on the CPU or a GPU, several folds at once: what `merba loso` does, on a machine without a
// JVM. Prints a line per fold and the pooled metrics; --json writes the predictions and metrics. --threads
// defaults to the planner's thread count (on the CPU the predictions then equal the Java run's). --cuda-graphs on
// replays each training step's forward and backward as a CUDA graph (TrainSession::use_cuda_graphs).
//
//   merba_folds PLAN [--workers 1] [--device cpu|cuda] [--threads N] [--cuda-graphs on|off] [--json FILE]
#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>

#include "train/fold_plan.h"
#include "train/fold_runner.h"

namespace {

int run(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: %s PLAN [--workers N] [--device cpu|cuda] [--threads N] [--cuda-graphs on|off] "
                 "[--json FILE]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  merba::train::FoldRunOptions options;
  std::string json_path;
  int threads = 0;
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "merba_folds: %s needs a value\n", argv[i]);
      return 2;
    }
    if (!std::strcmp(argv[i], "--workers")) options.workers = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--device")) options.device = c10::Device(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--json")) json_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--cuda-graphs") &&
             (!std::strcmp(argv[i + 1], "on") || !std::strcmp(argv[i + 1], "off")))
      options.cuda_graphs = !std::strcmp(argv[i + 1], "on");
    else {
      std::fprintf(stderr, "merba_folds: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (options.cuda_graphs && !options.device.is_cuda()) {
    std::fprintf(stderr, "merba_folds: --cuda-graphs on needs --device cuda\n");
    return 2;
  }
  if (options.device.is_cuda() && !at::hasCUDA()) {
    std::fprintf(stderr, "merba_folds: device %s requested, but this build has no CUDA support or no GPU is visible\n",
                 options.device.str().c_str());
    return 2;
  }
  const merba::train::FoldPlan plan = merba::train::FoldPlan::read(path);
  if (threads == 0) threads = static_cast<int>(plan.threads);
  if (threads > 0) at::set_num_threads(threads);
  const size_t members = plan.folds.front().member_seeds.size();
  const std::string ensemble = members > 1 ? ", ensembles of " + std::to_string(members) : "";
  std::printf("%s: %zu folds (%s%s), %lld epochs, batch %lld, on %s with %d worker(s), %d intra-op threads%s\n",
              path.c_str(), plan.folds.size(), plan.protocol.c_str(), ensemble.c_str(), static_cast<long long>(plan.epochs),
              static_cast<long long>(plan.batch_size), options.device.str().c_str(),
              merba::train::effective_workers(options), at::get_num_threads(),
              options.cuda_graphs ? ", CUDA graphs" : "");
  size_t done = 0;
  options.on_fold_done = [&](const merba::train::FoldResult& r) {
    const at::Tensor labels = plan.labels;
    int64_t correct = 0;
    for (size_t i = 0; i < r.test.size(); ++i) correct += labels[r.test[i]].item<int64_t>() == r.predicted[i];
    const std::string graphs =
        options.cuda_graphs ? ", " + std::to_string(r.graph_replays) + " steps replayed as CUDA graphs" : "";
    std::printf("fold %lld done (%zu/%zu): %lld/%zu correct, last epoch loss %.4f, %.1f s%s\n",
                static_cast<long long>(r.index), ++done, plan.folds.size(), static_cast<long long>(correct),
                r.test.size(), r.last_epoch_loss, r.seconds, graphs.c_str());
    std::fflush(stdout);
  };
  const auto start = std::chrono::steady_clock::now();
  const auto results = merba::train::run_folds(plan, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const merba::train::PooledMetrics m = merba::train::pooled_metrics(plan, results);
  std::printf("pooled over %lld samples: Acc %.3f  UF1 %.3f  UAR %.3f  (%.1f s wall)\n",
              static_cast<long long>(m.samples), m.accuracy, m.uf1, m.uar, seconds);
  if (!json_path.empty()) {
    std::ofstream json(json_path);
    json << merba::train::results_json(plan, results, seconds) << "\n";
    if (!json.flush()) {
      std::fprintf(stderr, "merba_folds: could not write %s\n", json_path.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "merba_folds: %s\n", e.what());
    return 1;
  }
}
