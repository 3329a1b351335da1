// The native training step on CUDA against the same step on the CPU. The batch is built on the CPU and
// follows the network to the GPU; augmentation and drop-path masks come from the same seeded CPU generators
// on both devices; class weights follow the logits. The CPU runs the fused kernels and the one-pass AdamW,
// CUDA the plain LibTorch ops and LibTorch's AdamW::step, so each side checks the other.
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

model::MerbaNet make(const model::ModelConfig& c, const char* device) {
  model::MerbaNet net(c);
  model::initialize(*net, 5);
  net->to(at::Device(device));
  return net;
}

train::TrainingOptions options(const model::ModelConfig& c) {
  train::TrainingOptions o;  // spec §5: flips, translation, clipping; drop path 0.1 comes with the config
  o.learning_rate = kLearningRate;
  o.warmup_steps = 1;
  o.total_steps = 10;
  for (int64_t k = 0; k < c.num_fine(); ++k) o.class_weights.push_back(1.0 + 0.5 * static_cast<double>(k));
  return o;
}

void expect_same_step(const train::StepResult& cuda, const train::StepResult& cpu, const std::string& what) {
  EXPECT_TRUE(std::abs(cuda.loss - cpu.loss) <= 1e-4 * std::max(1.0, std::abs(cpu.loss)));
  EXPECT_TRUE(std::abs(cuda.grad_norm - cpu.grad_norm) <= 1e-4 * std::max(1.0, cpu.grad_norm));
  EXPECT_EQ(cuda.samples, cpu.samples);
  EXPECT_EQ(cuda.learning_rate, cpu.learning_rate);
  if (std::abs(cuda.loss - cpu.loss) > 1e-4 * std::max(1.0, std::abs(cpu.loss))) {
    std::printf("         %s: loss cuda %.8f cpu %.8f, grad norm cuda %.8f cpu %.8f\n", what.c_str(), cuda.loss,
                cpu.loss, cuda.grad_norm, cpu.grad_norm);
  }
}

}  // namespace

TEST(training_steps_on_cuda_match_the_cpu) {
  // cuDNN and cuBLAS would otherwise use TF32 (10-bit mantissa) for float32 convolutions and matmuls.
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  const model::ModelConfig c = model::composite_28();
  EXPECT_TRUE(c.drop_path > 0);
  model::MerbaNet cpu_net = make(c, "cpu"), cuda_net = make(c, "cuda");
  train::TrainSession cpu(cpu_net, options(c), 11), cuda(cuda_net, options(c), 11);

  at::manual_seed(0);
  const at::Tensor x = at::rand({8, c.in_channels, c.input_size, c.input_size});  // on the CPU, as from Java
  const at::Tensor y = at::arange(8, at::TensorOptions().dtype(at::kLong)) % c.num_fine();
  for (int step = 0; step < 3; ++step) {
    expect_same_step(cuda.step(x, y), cpu.step(x, y), "step " + std::to_string(step));
  }
  // AdamW's first steps move each weight by about the learning rate whatever the gradient's size, so a
  // gradient near zero with a different sign on the two devices may differ by 2·lr per step: the bound.
  const auto cuda_params = cuda_net->named_parameters();
  for (const auto& p : cpu_net->named_parameters()) {
    EXPECT_CLOSE(cuda_params[p.key()].cpu(), p.value(), 6 * kLearningRate, "parameter " + p.key());
  }

  // A CUDA session's state (weights, moments, step, generator) resumes on the CPU: the next step there
  // matches the CUDA session's own next step.
  model::MerbaNet resumed_net = make(c, "cpu");
  train::TrainSession resumed(resumed_net, options(c), 99);
  resumed.restore_state(cuda.state());
  EXPECT_EQ(resumed.steps_taken(), int64_t(3));
  expect_same_step(cuda.step(x, y), resumed.step(x, y), "resumed step");
}
