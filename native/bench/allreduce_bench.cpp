// What data-parallel training adds to each step on one machine: the c10d/Gloo all-reduce of a MERba network's
// gradients (one per parameter, bucketed as TrainSession does) plus the step's totals and the broadcast of its
// buffers, between WORLD processes on 127.0.0.1.
//
//   allreduce_bench [WORLD=2] [REPEATS=200]
//
// starts WORLD copies of itself as ranks and prints, for the composite-28 and paper-224 presets, the bytes each rank
// sends per step (a ring all-reduce moves 2 (W-1)/W of the buffer) and the median and 90th-percentile time per step.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "distributed/process_group.h"
#include "model/merba_net.h"

extern char** environ;
using namespace merba;

namespace {

int rank_main(int rank, int world, int port, int repeats) {
  at::set_num_threads(1);
  distributed::Rendezvous r;
  r.rank = rank;
  r.world_size = world;
  r.master_port = port;
  r.timeout_ms = 60000;
  distributed::ProcessGroup group(r);
  for (const auto& [name, config] : {std::pair{"composite-28", model::composite_28()},
                                     std::pair{"paper-224", model::paper_224()}}) {
    model::MerbaNet net(config);
    std::vector<at::Tensor> grads;
    int64_t bytes = 0;
    for (const auto& p : net->parameters()) {
      grads.push_back(at::randn_like(p));
      bytes += p.nbytes();
    }
    grads.push_back(at::zeros({4}, at::kDouble));
    std::vector<at::Tensor> buffers = net->buffers();
    std::vector<double> ms;
    for (int i = 0; i < repeats + 10; ++i) {
      const auto start = std::chrono::steady_clock::now();
      group.all_reduce_sum(grads);
      group.broadcast(buffers, 0);
      const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (i >= 10) ms.push_back(t);  // after warm-up
    }
    std::sort(ms.begin(), ms.end());
    if (rank == 0) {
      std::printf("%-13s %9lld parameters  %8.2f MB gradients  %8.2f MB sent per rank  median %8.3f ms  p90 %8.3f ms\n",
                  name, static_cast<long long>(bytes / 4), bytes / 1e6, 2.0 * (world - 1) / world * bytes / 1e6,
                  ms[ms.size() / 2], ms[ms.size() * 9 / 10]);
    }
  }
  group.barrier();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc > 1 && std::string(argv[1]) == "--rank") {
      return rank_main(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
    }
    const int world = argc > 1 ? std::atoi(argv[1]) : 2, repeats = argc > 2 ? std::atoi(argv[2]) : 200;
    const int port = 29000 + static_cast<int>(getpid() % 1000);
    std::printf("c10d/Gloo on 127.0.0.1, %d processes of one thread, %d steps per preset\n", world, repeats);
    std::fflush(stdout);
    std::vector<pid_t> children;
    for (int rank = 1; rank < world; ++rank) {
      std::vector<std::string> args{"/proc/self/exe", "--rank", std::to_string(rank), std::to_string(world),
                                    std::to_string(port), std::to_string(repeats)};
      std::vector<char*> argv_child;
      for (auto& a : args) argv_child.push_back(a.data());
      argv_child.push_back(nullptr);
      pid_t pid;
      if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv_child.data(), environ) != 0) return 1;
      children.push_back(pid);
    }
    const int rc = rank_main(0, world, port, repeats);
    for (pid_t pid : children) waitpid(pid, nullptr, 0);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}
