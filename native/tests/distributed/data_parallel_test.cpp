// Data-parallel training over c10d on loopback: two worker processes (data_parallel_worker, one thread each)
// against one process stepping on the combined batch, and a rank that dies mid-run.
#include <ATen/Parallel.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "distributed/process_group.h"
#include "support/test_harness.h"
#include "train/train_session.h"

#include "distributed/data_parallel_fixture.h"

extern char** environ;

using namespace merba;
namespace dp = merba::test::data_parallel;

namespace {

// A port nobody listens on now (the kernel's choice for port 0).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("no free port");
  }
  const int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

struct Worker {
  pid_t pid = -1;
  std::string out, err;
};

Worker start_worker(int rank, int world, int port, const std::string& tag, int die_after = -1,
                    const std::string& mode = "") {
  Worker w;
  const std::string base = "/tmp/merba-dp-" + std::to_string(getpid()) + "-" + tag + "-" + std::to_string(rank);
  w.out = base + ".bin";
  w.err = base + ".err";
  std::vector<std::string> args{MERBA_DATA_PARALLEL_WORKER, std::to_string(rank), std::to_string(world),
                                std::to_string(port), w.out};
  if (die_after >= 0) args.push_back(std::to_string(die_after));
  if (!mode.empty()) args.push_back(mode);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, w.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = posix_spawn(&w.pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("could not start " + args[0]);
  return w;
}

// The exit status, or -1 (after killing it) when the worker is still running at the deadline.
int wait_for(const Worker& w, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (waitpid(w.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(w.pid, SIGKILL);
      waitpid(w.pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<double> read_doubles(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<double> values(bytes.size() / sizeof(double));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(double));
  return values;
}

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

}  // namespace

namespace {

// Two worker processes (`mode`: "" for plain steps, "sam" for sharpness-aware ones) against one process on the
// combined batch with the same options.
void expect_two_ranks_take_the_steps_of_one_process(const std::string& mode) {
  // The reference: one process, two threads, so that its step splits each batch into the same two halves (and
  // normalises BatchNorm over each) as the two ranks do. Its generator then also advances as the ranks' shared one
  // does (two shard seeds there, two rank seeds here), so the next batches' flips and shifts stay the same.
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  std::vector<double> expected;
  std::vector<std::pair<size_t, std::string>> names;  // where each tensor starts, for the report
  {
    train::TrainSession session(dp::network(), dp::options(mode == "sam" ? dp::kSamRho : 0.0), 3);
    for (int64_t step = 0; step < dp::kSteps; ++step) {
      const auto [x, y] = dp::global_batch(step);
      const train::StepResult r = session.step(x, y);
      expected.push_back(r.loss);
      expected.push_back(static_cast<double>(r.samples));
    }
    dp::append_weights(session, expected, &names);
  }
  at::set_num_threads(threads);

  const int port = free_port();
  const Worker w0 = start_worker(0, 2, port, "pair" + mode, -1, mode),
               w1 = start_worker(1, 2, port, "pair" + mode, -1, mode);
  const int s0 = wait_for(w0, std::chrono::seconds(120)), s1 = wait_for(w1, std::chrono::seconds(120));
  EXPECT_TRUE_MSG(s0 == 0 && s1 == 0, "workers exited with " + std::to_string(s0) + " / " + std::to_string(s1) +
                                          ": " + read_text(w0.err) + read_text(w1.err));
  const std::vector<double> rank0 = read_doubles(w0.out), rank1 = read_doubles(w1.out);
  EXPECT_TRUE_MSG(rank0.size() == expected.size() && rank1.size() == expected.size(),
                  "sizes " + std::to_string(rank0.size()) + ", " + std::to_string(rank1.size()) + ", expected " +
                      std::to_string(expected.size()));
  double worst = 0;
  size_t worst_at = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    // Both ranks hold the same values bit for bit (same reduced gradients, same update).
    EXPECT_TRUE_MSG(rank0[i] == rank1[i], "ranks differ at value " + std::to_string(i));
    const double error = std::abs(rank0[i] - expected[i]) / (1e-3 + std::abs(expected[i]));
    if (error > worst) worst = error, worst_at = i;
  }
  double loss_error = 0, weight_error = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    (i < 2 * dp::kSteps ? loss_error : weight_error) =
        std::max(i < 2 * dp::kSteps ? loss_error : weight_error, std::abs(rank0[i] - expected[i]));
  }
  std::printf("         step losses differ by at most %.3g, weights by at most %.3g (absolute)\n", loss_error,
              weight_error);
  std::string where = worst_at < 2 * dp::kSteps ? "step results" : "";
  for (const auto& [start, name] : names) {
    if (start <= worst_at) where = name;
  }
  std::printf("         largest relative difference to one process: %.3g (%s, value %zu of %zu)\n", worst,
              where.c_str(), worst_at, expected.size());
  // Reported per step: the global batch's weighted mean loss and its sample count.
  for (int64_t step = 0; step < dp::kSteps; ++step) EXPECT_TRUE(rank0[2 * step + 1] == dp::kGlobalBatch);
  EXPECT_TRUE_MSG(loss_error < 1e-5 && weight_error < 1e-5,
                  "losses differ from one process by " + std::to_string(loss_error) + ", weights by " +
                      std::to_string(weight_error));
  std::remove(w0.out.c_str()), std::remove(w1.out.c_str()), std::remove(w0.err.c_str()), std::remove(w1.err.c_str());
}

}  // namespace

TEST(two_ranks_take_the_steps_of_one_process_on_the_combined_batch) {
  expect_two_ranks_take_the_steps_of_one_process("");
}

// The perturbation follows the gradient reduced over the ranks, and the second pass's gradients are reduced too.
TEST(two_ranks_take_the_sharpness_aware_steps_of_one_process) { expect_two_ranks_take_the_steps_of_one_process("sam"); }

TEST(a_rank_that_dies_makes_the_other_fail_with_a_clear_error) {
  const int port = free_port();
  const auto start = std::chrono::steady_clock::now();
  const Worker w0 = start_worker(0, 2, port, "die"), w1 = start_worker(1, 2, port, "die", /*die_after=*/2);
  const int s1 = wait_for(w1, std::chrono::seconds(60));
  const int s0 = wait_for(w0, std::chrono::seconds(60));  // within the 30 s collective timeout at worst
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string message = read_text(w0.err);
  std::printf("         rank 0 exited %d after %.1f s: %s", s0, seconds, message.c_str());
  EXPECT_TRUE(s1 == 3);
  EXPECT_TRUE_MSG(s0 == 2, "rank 0 should fail (status 2), got " + std::to_string(s0));
  EXPECT_TRUE_MSG(message.find("distributed: rank 0 of 2: all-reduce failed") != std::string::npos, message);
  std::remove(w0.err.c_str()), std::remove(w1.err.c_str()), std::remove(w0.out.c_str());
}

TEST(ranks_resuming_from_different_states_fail_together) {
  const int port = free_port();
  const Worker w0 = start_worker(0, 2, port, "apart", -1, "resume-apart");
  const Worker w1 = start_worker(1, 2, port, "apart", -1, "resume-apart");
  const int s0 = wait_for(w0, std::chrono::seconds(60)), s1 = wait_for(w1, std::chrono::seconds(60));
  const std::string m0 = read_text(w0.err), m1 = read_text(w1.err);
  EXPECT_TRUE_MSG(s0 == 2 && s1 == 2, "both must fail: " + std::to_string(s0) + " / " + std::to_string(s1));
  EXPECT_TRUE_MSG(m0.find("1 rank(s) resumed from a training state other than rank 0's") != std::string::npos, m0);
  EXPECT_TRUE_MSG(m1.find("1 rank(s) resumed from a training state other than rank 0's") != std::string::npos, m1);
  std::remove(w0.err.c_str()), std::remove(w1.err.c_str());
}

TEST(ranks_resuming_from_the_same_state_go_on) {
  // After steps the optimiser's moments live in a hash map whose order differs from process to process: the check
  // must not depend on it.
  const int port = free_port();
  const Worker w0 = start_worker(0, 2, port, "same", -1, "resume-same");
  const Worker w1 = start_worker(1, 2, port, "same", -1, "resume-same");
  const int s0 = wait_for(w0, std::chrono::seconds(60)), s1 = wait_for(w1, std::chrono::seconds(60));
  EXPECT_TRUE_MSG(s0 == 0 && s1 == 0, std::to_string(s0) + " / " + std::to_string(s1) + ": " + read_text(w0.err) +
                                          read_text(w1.err));
  std::remove(w0.err.c_str()), std::remove(w1.err.c_str());
}

TEST(rendezvous_values_are_checked) {
  EXPECT_THROWS_WITH(distributed::Rendezvous::from_json(R"({"rank": 2, "world_size": 2})"), std::invalid_argument,
                     "rank must be in [0, world_size)");
  EXPECT_THROWS_WITH(distributed::Rendezvous::from_json(R"({"world_size": 0})"), std::invalid_argument,
                     "world_size must be >= 1");
  EXPECT_THROWS_WITH(distributed::Rendezvous::from_json(R"({"master_port": 70000})"), std::invalid_argument,
                     "master_port");
  EXPECT_THROWS_WITH(distributed::Rendezvous::from_json(R"({"world": 2})"), std::invalid_argument, "world");
  const distributed::Rendezvous r =
      distributed::Rendezvous::from_json(R"({"rank": 1, "world_size": 3, "master_addr": "10.0.0.1", "master_port": 29600})");
  EXPECT_TRUE(r.rank == 1 && r.world_size == 3 && r.master_addr == "10.0.0.1" && r.master_port == 29600);
}
