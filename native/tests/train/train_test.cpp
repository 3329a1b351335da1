// The native training step: schedule, parameter groups, augmentation, and that steps learn.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "model/merba_net.h"
#include "support/tensor_checks.h"
#include <torch/optim/adamw.h>

#include "train/adamw_step.h"
#include "train/augmentation.h"
#include "train/parameter_groups.h"
#include "train/train_session.h"

using namespace merba;
using train::TrainingOptions;

TEST(schedule_values_at_chosen_steps) {
  TrainingOptions o;
  o.learning_rate = 5e-4;
  o.min_learning_rate = 1e-6;
  o.warmup_steps = 10;
  o.total_steps = 110;
  auto near = [](double a, double b) { return std::abs(a - b) < 1e-12; };
  EXPECT_TRUE(near(train::learning_rate_at(o, 0), 5e-5));           // (0+1)/10 of the peak
  EXPECT_TRUE(near(train::learning_rate_at(o, 4), 2.5e-4));
  EXPECT_TRUE(near(train::learning_rate_at(o, 9), 5e-4));           // end of warm-up: the peak
  EXPECT_TRUE(near(train::learning_rate_at(o, 10), 5e-4));          // cosine starts at the peak
  EXPECT_TRUE(near(train::learning_rate_at(o, 60), 1e-6 + (5e-4 - 1e-6) * 0.5));  // half-way: the mean
  EXPECT_TRUE(near(train::learning_rate_at(o, 110), 1e-6));         // the end: the floor
  EXPECT_TRUE(near(train::learning_rate_at(o, 109), 1e-6 + (5e-4 - 1e-6) * 0.5 * (1 + std::cos(M_PI * 0.99))));
}

TEST(one_pass_adamw_matches_libtorch_adamw) {
  // Two parameter groups (with and without weight decay), float32 and float64 parameters of several sizes
  // (one larger than a work item), a parameter without gradient, and a learning rate that changes.
  for (at::ScalarType dtype : {at::kFloat, at::kDouble}) {
    at::manual_seed(21);
    std::vector<at::Tensor> initial{at::randn({40000}, dtype), at::randn({7, 5}, dtype), at::randn({3}, dtype),
                                    at::randn({4}, dtype)};
    auto make = [&](std::vector<at::Tensor>& params) {
      for (const at::Tensor& t : initial) params.push_back(t.clone().requires_grad_(true));
      std::vector<torch::optim::OptimizerParamGroup> groups;
      groups.emplace_back(std::vector<at::Tensor>{params[0], params[1]},
                          std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(1e-2).weight_decay(0.05)));
      groups.emplace_back(std::vector<at::Tensor>{params[2], params[3]},
                          std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(1e-2).weight_decay(0.0)));
      return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(1e-2));
    };
    std::vector<at::Tensor> ours_p, theirs_p;
    auto ours = make(ours_p), theirs = make(theirs_p);
    for (int step = 0; step < 6; ++step) {
      for (size_t i = 0; i < 3; ++i) {  // the last parameter never gets a gradient
        const at::Tensor g = at::randn(initial[i].sizes(), dtype) * (step + 1);
        ours_p[i].mutable_grad() = g.clone();
        theirs_p[i].mutable_grad() = g.clone();
      }
      for (auto* o : {ours.get(), theirs.get()}) {
        for (auto& group : o->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(1e-2 / (step + 1));
      }
      train::adamw_step(*ours);
      theirs->step();
    }
    const double tol = dtype == at::kDouble ? 1e-12 : 1e-6;
    for (size_t i = 0; i < initial.size(); ++i) {
      EXPECT_CLOSE(ours_p[i].detach(), theirs_p[i].detach(), tol, "parameter " + std::to_string(i));
      const auto key = ours_p[i].unsafeGetTensorImpl(), other = theirs_p[i].unsafeGetTensorImpl();
      EXPECT_EQ(ours->state().count(key), theirs->state().count(other));
      if (!ours->state().count(key)) continue;
      const auto& a = static_cast<const torch::optim::AdamWParamState&>(*ours->state().at(key));
      const auto& b = static_cast<const torch::optim::AdamWParamState&>(*theirs->state().at(other));
      EXPECT_EQ(a.step(), b.step());
      EXPECT_CLOSE(a.exp_avg(), b.exp_avg(), tol, "exp_avg " + std::to_string(i));
      EXPECT_CLOSE(a.exp_avg_sq(), b.exp_avg_sq(), tol, "exp_avg_sq " + std::to_string(i));
    }
    EXPECT_TRUE(!ours->state().count(ours_p[3].unsafeGetTensorImpl()));
  }
}

TEST(one_pass_adamw_shares_state_with_libtorch_and_falls_back) {
  at::manual_seed(22);
  const at::Tensor initial = at::randn({300});
  const std::vector<at::Tensor> grads{at::randn({300}), at::randn({300}), at::randn({300})};
  auto run = [&](const std::vector<bool>& ours) {
    at::Tensor p = initial.clone().requires_grad_(true);
    torch::optim::AdamW optimizer({p}, torch::optim::AdamWOptions(1e-2).weight_decay(0.05));
    for (size_t i = 0; i < grads.size(); ++i) {
      p.mutable_grad() = grads[i].clone();
      if (ours[i]) train::adamw_step(optimizer);
      else optimizer.step();
    }
    return p.detach();
  };
  // Steps alternating between LibTorch's step() and the one-pass step continue each other's state.
  EXPECT_CLOSE(run({false, true, false}), run({false, false, false}), 1e-6, "LibTorch, one pass, LibTorch");
  EXPECT_CLOSE(run({true, false, true}), run({false, false, false}), 1e-6, "one pass, LibTorch, one pass");

  // A non-contiguous parameter: the whole step is LibTorch's, bit for bit.
  auto strided = [&](bool ours) {
    at::Tensor p = initial.view({20, 15}).t().clone(at::MemoryFormat::Preserve).requires_grad_(true);
    torch::optim::AdamW optimizer({p}, torch::optim::AdamWOptions(1e-2).weight_decay(0.05));
    for (const at::Tensor& g : grads) {
      p.mutable_grad() = g.view({20, 15}).t();
      if (ours) train::adamw_step(optimizer);
      else optimizer.step();
    }
    return p.detach();
  };
  EXPECT_TRUE(!initial.view({20, 15}).t().clone(at::MemoryFormat::Preserve).is_contiguous());
  EXPECT_CLOSE(strided(true), strided(false), 0.0, "non-contiguous parameter");

  // The update counts as an in-place write: a graph that saved the parameter notices.
  at::Tensor p = initial.clone().requires_grad_(true);
  torch::optim::AdamW optimizer({p}, torch::optim::AdamWOptions(1e-2));
  const at::Tensor loss = (p * p).sum();
  p.mutable_grad() = grads[0].clone();
  train::adamw_step(optimizer);
  EXPECT_THROWS_WITH(loss.backward(), c10::Error, "modified by an inplace operation");
}

TEST(parameter_groups_hold_exactly_the_no_decay_names) {
  model::MerbaNet net(model::composite_28());
  const train::ParameterGroups g = train::parameter_groups(*net);
  std::set<std::string> no_decay(g.no_decay_names.begin(), g.no_decay_names.end());
  auto no_decay_by_rule = [](const std::string& n) {
    auto ends = [&](const std::string& s) { return n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0; };
    return ends(".bias") || ends(".A_log") || ends(".D") || ends("pos_embed") ||
           n.find("norm") != std::string::npos || n.find(".bn") != std::string::npos;
  };
  for (const auto& n : g.no_decay_names) {
    if (!no_decay_by_rule(n)) merba::test::fail(__FILE__, __LINE__, "decayed parameter in no-decay group: " + n);
  }
  for (const auto& n : g.decay_names) {
    if (no_decay_by_rule(n)) merba::test::fail(__FILE__, __LINE__, "no-decay parameter in decay group: " + n);
    const bool weight = n.size() > 7 && n.compare(n.size() - 7, 7, ".weight") == 0;
    if (!weight) merba::test::fail(__FILE__, __LINE__, "unexpected decayed parameter: " + n);
  }
  EXPECT_TRUE(no_decay.count("stages.0.blocks.0.mixers.1.A_log"));
  EXPECT_TRUE(no_decay.count("stages.0.iwa.pos_embed"));
  EXPECT_TRUE(no_decay.count("stem.bn1.weight"));
  EXPECT_TRUE(no_decay.count("stages.2.blocks.0.norm1.weight"));
  EXPECT_TRUE(no_decay.count("norm.weight"));
  EXPECT_EQ(g.decay.size() + g.no_decay.size(), net->parameters().size());
}

TEST(mirroring_a_flow_field_flips_the_horizontal_component) {
  const at::Tensor s = at::rand({3, 4, 5});
  const at::Tensor img = train::mirror_flow(s, train::FlowEncoding::IMAGE);
  EXPECT_CLOSE(img[0], 1 - s[0].flip({1}), 1e-7, "u → 1 − u, mirrored");
  EXPECT_CLOSE(img[1], s[1].flip({1}), 0.0, "v mirrored");
  EXPECT_CLOSE(img[2], s[2].flip({1}), 0.0, "strain mirrored");
  EXPECT_CLOSE(train::mirror_flow(s, train::FlowEncoding::SIGNED)[0], -s[0].flip({1}), 0.0, "u → −u");
}

TEST(translation_shifts_with_zero_fill) {
  const at::Tensor s = at::arange(1, 1 + 2 * 4 * 4, at::kFloat).view({2, 4, 4});
  const at::Tensor t = train::translate(s, 1, -2);  // down 1, left 2
  EXPECT_EQ(t[0][0].abs().sum().item<double>(), 0.0);  // the top row is fill
  EXPECT_EQ(t[0][1][0].item<double>(), s[0][0][2].item<double>());
  EXPECT_EQ(t[1][3][1].item<double>(), s[1][2][3].item<double>());
  EXPECT_EQ(t[0][2][3].item<double>(), 0.0);  // right columns are fill
}

TEST(augmentation_is_reproducible_from_the_seed) {
  TrainingOptions o;
  const at::Tensor batch = at::rand({8, 3, 28, 28});
  at::Generator a = at::make_generator<at::CPUGeneratorImpl>(5), b = at::make_generator<at::CPUGeneratorImpl>(5);
  EXPECT_CLOSE(train::augment(batch, o, a), train::augment(batch, o, b), 0.0, "same seed");
  o.flip_probability = 0;
  o.max_translation = 0;
  EXPECT_CLOSE(train::augment(batch, o, a), batch, 0.0, "disabled");
}

TEST(training_steps_learn_a_separable_problem) {
  // Two classes told apart by the sign of the mean u: a few steps must lower the loss.
  model::ModelConfig c = model::composite_28();
  c.num_coarse = 2;
  c.fine_to_coarse = {0, 1};
  c.drop_path = 0;
  model::MerbaNet net(c);
  model::initialize(*net, 1);
  TrainingOptions o;
  o.learning_rate = 1e-3;
  o.total_steps = 30;
  o.warmup_steps = 3;
  o.flip_probability = 0;
  train::TrainSession session(net, o, 3);
  at::manual_seed(0);
  const at::Tensor targets = at::tensor(std::vector<int64_t>{0, 1, 0, 1, 0, 1, 0, 1});
  const at::Tensor x = at::rand({8, 3, 28, 28}) * 0.2 + targets.view({8, 1, 1, 1}).to(at::kFloat) * 0.6;
  double first = 0, last = 0;
  int64_t correct = 0;
  for (int i = 0; i < 30; ++i) {
    const train::StepResult r = session.step(x, targets);
    if (i == 0) first = r.loss;
    last = r.loss;
    correct = r.correct;
    EXPECT_TRUE(std::isfinite(r.loss) && r.grad_norm > 0);
  }
  EXPECT_TRUE(last < 0.5 * first);
  EXPECT_EQ(correct, int64_t(8));
  EXPECT_EQ(session.steps_taken(), int64_t(30));
}

TEST(training_throughput_composite_28_batch_32) {
  // A measurement for the log, not a pass/fail criterion (timings belong in benchmarks).
  model::MerbaNet net(model::composite_28());
  model::initialize(*net, 1);
  TrainingOptions o;
  o.total_steps = 100;
  train::TrainSession session(net, o, 3);
  const at::Tensor x = at::rand({32, 3, 28, 28});
  const at::Tensor y = at::randint(0, 3, {32}, at::TensorOptions().dtype(at::kLong));
  session.step(x, y);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) session.step(x, y);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("         training: %.1f samples/s (composite-28, batch 32, %d threads)\n", 5 * 32 / s,
              at::get_num_threads());
}
