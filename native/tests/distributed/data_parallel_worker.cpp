// One rank of data_parallel_test's runs:
//   data_parallel_worker RANK WORLD PORT OUT [DIE_AFTER | resume-apart | resume-same]
// trains the fixture's kSteps steps on its share of each global batch (one LibTorch thread) and writes the
// step losses and the final weights to OUT as raw doubles. With DIE_AFTER it exits abruptly after that many steps,
// as a crashed rank would. With resume-apart / resume-same every rank takes two steps and restores a copy of its
// state, rank 1's with one weight changed / unchanged. Any error: the message on stderr, exit status 2.
#include <ATen/Parallel.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "distributed/process_group.h"
#include "train/train_session.h"

#include "distributed/data_parallel_fixture.h"

using namespace merba;
namespace dp = merba::test::data_parallel;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s RANK WORLD PORT OUT [DIE_AFTER | resume-apart | resume-same | sam]\n", argv[0]);
    return 64;
  }
  try {
    at::set_num_threads(1);
    distributed::Rendezvous r;
    r.rank = std::stoll(argv[1]);
    r.world_size = std::stoll(argv[2]);
    r.master_port = std::stoll(argv[3]);
    r.timeout_ms = 30000;
    const std::string mode = argc > 5 ? argv[5] : "";
    const bool resume_apart = mode == "resume-apart", resume = resume_apart || mode == "resume-same";
    const bool sam = mode == "sam";  // sharpness-aware steps
    const int64_t die_after = argc > 5 && !resume && !sam ? std::stoll(argv[5]) : -1;
    auto group = std::make_shared<distributed::ProcessGroup>(r);
    train::TrainSession session(dp::network(), dp::options(sam ? dp::kSamRho : 0.0), 3, group);
    if (resume) {
      for (int64_t step = 0; step < 2; ++step) {  // moments, weight average and generator no longer initial
        dp::step_share(session, step, r.rank, r.world_size);
      }
      checkpoint::NamedTensors state;
      for (const auto& [name, tensor] : session.state()) state.emplace_back(name, tensor.clone());
      if (resume_apart && r.rank == 1) state.front().second.add_(1e-3);
      session.restore_state(state);  // resume-apart: throws on every rank
      return 0;
    }
    std::vector<double> out;
    for (int64_t step = 0; step < dp::kSteps; ++step) {
      if (step == die_after) std::_Exit(3);
      const train::StepResult result = dp::step_share(session, step, r.rank, r.world_size);
      out.push_back(result.loss);
      out.push_back(static_cast<double>(result.samples));
    }
    dp::append_weights(session, out);
    std::ofstream file(argv[4], std::ios::binary);
    file.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(double)));
    return file ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}
