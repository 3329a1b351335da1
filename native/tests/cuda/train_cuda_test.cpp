// The native training step on CUDA against the same step on the CPU. The batch is built on the CPU and
// follows the network to the GPU; augmentation and drop-path masks come from the same seeded CPU generators
// on both devices (a batch of 8 runs as one shard on the CPU too); class weights follow the logits. The CPU
// runs the fused kernels and the one-pass AdamW, CUDA the plain LibTorch ops and LibTorch's AdamW::step, so
// each side checks the other.
#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
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
