// The native training step on CUDA against the same step on the CPU. The batch is built on the CPU and
// follows the network to the GPU; augmentation and drop-path masks come from the same seeded CPU generators
// on both devices (a batch of 8 runs as one shard on the CPU too); class weights follow the logits. The CPU
// runs the fused kernels and the one-pass AdamW, CUDA the plain LibTorch ops and LibTorch's AdamW::step, so
// each side checks the other.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "model/merba_net.h"
#include "support/tensor_checks.h"
#include "train/train_session.h"

using namespace merba;

namespace {

constexpr double kLearningRate = 1e-4;

model::MerbaNet network_on(const model::ModelConfig& c, const char* device) {
  model::MerbaNet net(c);
  model::initialize(*net, 5);
  net->to(at::Device(device));
  return net;
}

train::TrainingOptions training_options(const model::ModelConfig& c) {
  train::TrainingOptions o;  // spec §5: flips, translation, clipping; drop path 0.1 comes with the config
  o.learning_rate = kLearningRate;
  o.warmup_steps = 1;
  o.total_steps = 10;
  for (int64_t k = 0; k < c.num_fine(); ++k) o.class_weights.push_back(1.0 + 0.5 * static_cast<double>(k));
  return o;
}

// Float32 forward and backward on two devices (cuDNN, cuBLAS without TF32): 1e-4 relative, as the network test.
bool agree(double actual, double expected) { return std::abs(actual - expected) <= 1e-4 * std::max(1.0, std::abs(expected)); }

void expect_same_step(const train::StepResult& cuda, const train::StepResult& cpu, const std::string& what) {
  std::printf("         %s: loss cuda %.7f cpu %.7f, gradient norm cuda %.7f cpu %.7f\n", what.c_str(), cuda.loss,
              cpu.loss, cuda.grad_norm, cpu.grad_norm);
  EXPECT_TRUE(agree(cuda.loss, cpu.loss));
  EXPECT_TRUE(agree(cuda.grad_norm, cpu.grad_norm));
  EXPECT_EQ(cuda.samples, cpu.samples);
  EXPECT_EQ(cuda.learning_rate, cpu.learning_rate);
}

void expect_same_gradients(model::MerbaNet& cuda, model::MerbaNet& cpu) {
  const auto cuda_params = cuda->named_parameters();
  for (const auto& p : cpu->named_parameters()) {
    const at::Tensor& expected = p.value().grad();
    const at::Tensor& actual = cuda_params[p.key()].grad();
    EXPECT_TRUE(expected.defined() == actual.defined());
    if (expected.defined()) EXPECT_CLOSE(actual.cpu(), expected, 1e-4, "gradient of " + p.key());
  }
}

// AdamW's first steps move a weight by about lr whatever its gradient's size, so a weight whose gradient is
// rounding noise can move either way on either device (up to 2·lr apart per step). Every other weight must
// land within 1e-6; such weights may be at most 0.1 % of all.
void expect_same_weights(model::MerbaNet& actual, model::MerbaNet& expected, int steps, const std::string& what) {
  const auto actual_params = actual->named_parameters();
  int64_t total = 0, apart = 0;
  double worst = 0;
  for (const auto& p : expected->named_parameters()) {
    const at::Tensor diff = (actual_params[p.key()].detach().cpu() - p.value().detach().cpu()).abs();
    total += diff.numel();
    apart += diff.gt(1e-6).sum().item<int64_t>();
    worst = std::max(worst, diff.max().item<double>());
  }
  std::printf("         %s: %lld of %lld weights more than 1e-6 apart, the largest gap %.3g\n", what.c_str(),
              static_cast<long long>(apart), static_cast<long long>(total), worst);
  EXPECT_TRUE(apart * 1000 <= total);
  EXPECT_TRUE(worst <= 2.0 * kLearningRate * steps);
}

}  // namespace

TEST(training_steps_on_cuda_match_the_cpu) {
  // cuDNN and cuBLAS would otherwise use TF32 (10-bit mantissa) for float32 convolutions and matmuls.
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const model::ModelConfig c = model::composite_28();
  EXPECT_TRUE(c.drop_path > 0);
  model::MerbaNet cpu_net = network_on(c, "cpu"), cuda_net = network_on(c, "cuda");
  train::TrainSession cpu(cpu_net, training_options(c), 11), cuda(cuda_net, training_options(c), 11);

  // A new batch per step (on the CPU, as from Java), so that AdamW's moments are not just the last gradient.
  at::manual_seed(0);
  std::vector<at::Tensor> batches;
  for (int i = 0; i < 4; ++i) batches.push_back(at::rand({8, c.in_channels, c.input_size, c.input_size}));
  const at::Tensor y = at::arange(8, at::TensorOptions().dtype(at::kLong)) % c.num_fine();
  expect_same_step(cuda.step(batches[0], y), cpu.step(batches[0], y), "step 1");
  expect_same_gradients(cuda_net, cpu_net);  // clipped, as AdamW received them
  for (int step = 2; step <= 3; ++step) {
    const at::Tensor& x = batches[step - 1];
    expect_same_step(cuda.step(x, y), cpu.step(x, y), "step " + std::to_string(step));
  }
  expect_same_weights(cuda_net, cpu_net, 3, "after 3 steps");

  // A CUDA session's state (weights, AdamW moments and step counts, the generator) resumes on the CPU: the
  // next step there matches the CUDA session's own. Lost moments would make it a first step, which moves
  // every weight by ±lr instead of lr·m̂/√v̂ over gradients that changed from batch to batch.
  model::MerbaNet resumed_net = network_on(c, "cpu");
  train::TrainSession resumed(resumed_net, training_options(c), 99);
  resumed.restore_state(cuda.state());
  EXPECT_EQ(resumed.steps_taken(), int64_t(3));
  expect_same_step(cuda.step(batches[3], y), resumed.step(batches[3], y), "resumed step");
  expect_same_weights(cuda_net, resumed_net, 1, "after the resumed step");
}

// A session whose steps replay a CUDA graph (TrainSession::use_cuda_graphs) against one that runs them eagerly,
// both on the GPU from the same seed: every switch that draws on the host (augmentation, mixup, drop path,
// dropout) on, class weights and the weight average too. Steps 1-3 warm up eagerly, step 4 captures and
// replays, the partial batch of step 5 runs eagerly, the full batches after it replay again; then both sessions
// restore a state saved after step 6 and step on (a restore copies into the captured weights).
TEST(cuda_graph_steps_equal_eager_steps) {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const bool deterministic = at::globalContext().deterministicCuDNN();
  at::globalContext().setDeterministicCuDNN(true);  // the two sessions may then differ only by the graph
  model::ModelConfig c = model::composite_28();
  c.dropout = 0.2;  // the head's dropout masks join drop path's
  train::TrainingOptions o = training_options(c);
  o.mixup_alpha = 0.4;
  o.ema_decay = 0.9;
  o.label_smoothing = 0.1;
  o.total_steps = 20;
  model::MerbaNet eager_net = network_on(c, "cuda"), graph_net = network_on(c, "cuda");
  train::TrainSession eager(eager_net, o, 21), graphed(graph_net, o, 21);
  graphed.use_cuda_graphs(true);

  at::manual_seed(1);
  const std::vector<int64_t> sizes = {32, 32, 32, 32, 13, 32, 32, 32};
  std::vector<at::Tensor> inputs, targets;
  for (int64_t b : sizes) {
    inputs.push_back(at::rand({b, c.in_channels, c.input_size, c.input_size}));
    targets.push_back(at::randint(0, c.num_fine(), {b}, at::TensorOptions().dtype(at::kLong)));
  }
  auto step_both = [&](size_t i, const std::string& what) {
    const train::StepResult e = eager.step(inputs[i], targets[i]), g = graphed.step(inputs[i], targets[i]);
    std::printf("         %s (batch %lld): loss eager %.7f graph %.7f, correct %lld / %lld, "
                "gradient norm %.7f / %.7f\n",
                what.c_str(), static_cast<long long>(sizes[i]), e.loss, g.loss, static_cast<long long>(e.correct),
                static_cast<long long>(g.correct), e.grad_norm, g.grad_norm);
    EXPECT_TRUE(std::abs(e.loss - g.loss) <= 1e-5 * std::max(1.0, std::abs(e.loss)));
    EXPECT_TRUE(std::abs(e.grad_norm - g.grad_norm) <= 1e-5 * std::max(1.0, std::abs(e.grad_norm)));
    EXPECT_EQ(e.correct, g.correct);
    EXPECT_EQ(e.learning_rate, g.learning_rate);
  };
  checkpoint::NamedTensors saved;
  for (size_t i = 0; i < sizes.size(); ++i) {
    step_both(i, "step " + std::to_string(i + 1));
    if (i == 5) {
      // Copies: state() hands out the live tensors, which the next steps change.
      for (const auto& [name, tensor] : eager.state()) saved.emplace_back(name, tensor.clone());
    }
  }
  const train::StepGraph* graph = graphed.step_graph();
  EXPECT_TRUE(graph != nullptr);
  if (graph == nullptr) return;
  std::printf("         graph: %lld replays, %lld eager runs\n", static_cast<long long>(graph->replays()),
              static_cast<long long>(graph->eager_runs()));
  EXPECT_EQ(graph->replays(), int64_t(4));     // steps 4, 6, 7, 8
  EXPECT_EQ(graph->eager_runs(), int64_t(4));  // steps 1-3 and the partial batch
  expect_same_weights(graph_net, eager_net, 8, "after 8 steps");
  const auto graph_buffers = graph_net->named_buffers();
  for (const auto& b : eager_net->named_buffers()) {
    if (b.value().is_floating_point()) {
      EXPECT_CLOSE(graph_buffers[b.key()].cpu(), b.value().cpu(), 1e-5, "buffer " + b.key());
    }
  }

  eager.restore_state(saved);
  graphed.restore_state(saved);
  for (size_t i = 6; i < sizes.size(); ++i) step_both(i, "after the restore, step " + std::to_string(i + 1));
  EXPECT_EQ(graph->replays(), int64_t(6));
  expect_same_weights(graph_net, eager_net, 2, "after the restore and 2 steps");
  // The weight average, swapped in as for evaluation, then back.
  eager.swap_weight_average();
  graphed.swap_weight_average();
  expect_same_weights(graph_net, eager_net, 10, "weight averages");
  eager.swap_weight_average();
  graphed.swap_weight_average();
  at::globalContext().setDeterministicCuDNN(deterministic);
}

// Four graphed sessions stepping at once, each on a thread of its own with a stream from LibTorch's pool (as the
// native fold loop runs concurrent folds, train/fold_runner.cpp), against the same four run one after another.
// Their captures overlap (thread-local capture mode) and each then replays its own graph; until this test, only
// the timed LOSO of gpu-check.sh exercised concurrent captures. Deterministic cuDNN and no TF32, so that running at
// once may change only the order of work on the device, not a result: losses and gradient norms within 1e-5.
TEST(concurrent_cuda_graph_captures_match_one_at_a_time) {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const bool deterministic = at::globalContext().deterministicCuDNN();
  at::globalContext().setDeterministicCuDNN(true);
  const model::ModelConfig c = model::composite_28();
  train::TrainingOptions o = training_options(c);
  o.total_steps = 20;
  constexpr int kSessions = 4, kSteps = 6;  // 3 eager warm-ups, the capture, 2 more replays
  at::manual_seed(3);
  std::vector<at::Tensor> inputs, targets;
  for (int i = 0; i < kSteps; ++i) {
    inputs.push_back(at::rand({32, c.in_channels, c.input_size, c.input_size}));
    targets.push_back(at::randint(0, c.num_fine(), {32}, at::TensorOptions().dtype(at::kLong)));
  }
  struct Run {
    std::vector<train::StepResult> steps;
    int64_t replays = -1;
    std::string error;
  };
  // Networks and sessions are built on this thread (module construction draws on the global generator); only the
  // steps run on the workers.
  auto run_all = [&](bool at_once) {
    std::vector<model::MerbaNet> nets;
    std::vector<std::unique_ptr<train::TrainSession>> sessions;
    for (int s = 0; s < kSessions; ++s) {
      nets.push_back(network_on(c, "cuda"));
      sessions.push_back(std::make_unique<train::TrainSession>(nets.back(), o, 100 + s));
      sessions.back()->use_cuda_graphs(true);
    }
    std::vector<Run> runs(kSessions);
    auto work = [&](int s) {
      try {
        at::init_num_threads();
        const at::Device cuda("cuda");
        c10::StreamGuard stream(c10::impl::getDeviceGuardImpl(cuda.type())->getStreamFromGlobalPool(cuda));
        for (int i = 0; i < kSteps; ++i) runs[s].steps.push_back(sessions[s]->step(inputs[i], targets[i]));
        const train::StepGraph* graph = sessions[s]->step_graph();
        runs[s].replays = graph ? graph->replays() : -1;
      } catch (const std::exception& e) {
        runs[s].error = e.what();
      }
    };
    if (at_once) {
      std::vector<std::thread> threads;
      for (int s = 0; s < kSessions; ++s) threads.emplace_back(work, s);
      for (std::thread& t : threads) t.join();
    } else {
      for (int s = 0; s < kSessions; ++s) work(s);
    }
    return runs;
  };
  const std::vector<Run> alone = run_all(false), together = run_all(true);
  for (int s = 0; s < kSessions; ++s) {
    for (const Run* r : {&alone[s], &together[s]}) {
      if (!r->error.empty()) std::printf("         session %d failed: %s\n", s, r->error.c_str());
      EXPECT_TRUE(r->error.empty());
      EXPECT_EQ(r->replays, int64_t(kSteps - 3));
    }
    if (!alone[s].error.empty() || !together[s].error.empty()) continue;
    for (int i = 0; i < kSteps; ++i) {
      const train::StepResult &a = alone[s].steps[i], &t = together[s].steps[i];
      if (i == kSteps - 1) {
        std::printf("         session %d, step %d: loss alone %.7f at once %.7f, gradient norm %.7f / %.7f\n", s,
                    i + 1, a.loss, t.loss, a.grad_norm, t.grad_norm);
      }
      EXPECT_TRUE(std::abs(a.loss - t.loss) <= 1e-5 * std::max(1.0, std::abs(a.loss)));
      EXPECT_TRUE(std::abs(a.grad_norm - t.grad_norm) <= 1e-5 * std::max(1.0, std::abs(a.grad_norm)));
      EXPECT_EQ(a.correct, t.correct);
    }
  }
  at::globalContext().setDeterministicCuDNN(deterministic);
}
