// The native training step: schedule, parameter groups, augmentation, and that steps learn.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <tuple>

#include "model/merba_net.h"
#include "support/invalid_cases.h"
#include "support/tensor_checks.h"
#include <torch/optim/adamw.h>

#include "train/adamw_step.h"
#include "train/fused_adamw.h"
#include "train/gradient_clipping.h"
#include <torch/nn/utils/clip_grad.h>
#include "model/dgcm_loss.h"
#include "model/flow_mirror.h"
#include "model/training_context.h"
#include "train/augmentation.h"
#include "train/mixup.h"
#include "train/parameter_groups.h"
#include "train/sharpness_aware.h"
#include "train/step_graph.h"
#include "train/train_session.h"
#include "train/weight_ema.h"
#include <torch/nn/modules/linear.h>

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

namespace {

// Runs `update` and torch::optim::AdamW::step side by side for 6 steps on two parameter groups (with and without
// weight decay) of parameters of several sizes (one larger than the one-pass update's work item), one of them
// never getting a gradient, with a learning rate that changes, and compares parameters and state.
template <typename Update>
void expect_update_matches_libtorch(at::ScalarType dtype, Update update) {
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
    update(*ours);
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

}  // namespace

TEST(one_pass_adamw_matches_libtorch_adamw) {
  for (at::ScalarType dtype : {at::kFloat, at::kDouble}) {
    expect_update_matches_libtorch(dtype, [](torch::optim::AdamW& o) { train::adamw_step(o); });
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

TEST(fused_adamw_matches_libtorch_adamw) {
  // LibTorch's fused multi-tensor kernel (what a GPU step uses), run here on the CPU.
  for (at::ScalarType dtype : {at::kFloat, at::kDouble}) {
    train::FusedAdamW fused;
    expect_update_matches_libtorch(dtype, [&](torch::optim::AdamW& o) { fused.step(o); });
  }
}

TEST(fused_adamw_continues_a_restored_or_foreign_state) {
  at::manual_seed(23);
  const at::Tensor initial = at::randn({300});
  const std::vector<at::Tensor> grads{at::randn({300}), at::randn({300}), at::randn({300}), at::randn({300})};
  // kinds: 'f' the fused step, 'l' LibTorch's step()
  auto run = [&](const std::string& kinds) {
    at::Tensor p = initial.clone().requires_grad_(true);
    torch::optim::AdamW optimizer({p}, torch::optim::AdamWOptions(1e-2).weight_decay(0.05));
    train::FusedAdamW fused;
    for (size_t i = 0; i < kinds.size(); ++i) {
      p.mutable_grad() = grads[i].clone();
      if (kinds[i] == 'f') {
        fused.step(optimizer);
      } else {
        optimizer.step();
      }
    }
    return p.detach();
  };
  // Bias corrections follow the state's step count, whoever advanced it.
  EXPECT_CLOSE(run("lfff"), run("llll"), 1e-6, "LibTorch, then fused");
  EXPECT_CLOSE(run("fflf"), run("llll"), 1e-6, "fused, LibTorch, fused");
  // A state whose step count goes back (a restore of an earlier state) is followed, not the device counters.
  auto restored = [&](bool fused_after) {
    at::Tensor p = initial.clone().requires_grad_(true);
    torch::optim::AdamW optimizer({p}, torch::optim::AdamWOptions(1e-2).weight_decay(0.05));
    train::FusedAdamW fused;
    p.mutable_grad() = grads[0].clone();
    fused.step(optimizer);
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*optimizer.state().at(p.unsafeGetTensorImpl()));
    const at::Tensor m = s.exp_avg().clone(), v = s.exp_avg_sq().clone(), w = p.detach().clone();
    for (int i = 1; i < 3; ++i) {
      p.mutable_grad() = grads[i].clone();
      fused.step(optimizer);
    }
    // Back to the state after step 1.
    auto back = std::make_unique<torch::optim::AdamWParamState>();
    back->step(1);
    back->exp_avg(m);
    back->exp_avg_sq(v);
    optimizer.state()[p.unsafeGetTensorImpl()] = std::move(back);
    p.detach().copy_(w);
    p.mutable_grad() = grads[3].clone();
    if (fused_after) fused.step(optimizer);
    else optimizer.step();
    return p.detach();
  };
  EXPECT_CLOSE(restored(true), restored(false), 1e-6, "fused step after a restore to step 1");
}

TEST(fused_adamw_falls_back_to_libtorch_for_mixed_dtypes) {
  // One fused call takes one dtype: float32 and float64 parameters together take optimizer.step(), bit for bit.
  auto run = [](bool fused_step) {
    at::manual_seed(25);
    const at::Tensor a = at::randn({50}).requires_grad_(true), b = at::randn({7}, at::kDouble).requires_grad_(true);
    torch::optim::AdamW optimizer({a, b}, torch::optim::AdamWOptions(1e-2).weight_decay(0.05));
    train::FusedAdamW fused;
    EXPECT_TRUE(!train::FusedAdamW::applies(optimizer) || !a.grad().defined());
    for (int i = 0; i < 3; ++i) {
      a.mutable_grad() = at::randn({50});
      b.mutable_grad() = at::randn({7}, at::kDouble);
      EXPECT_TRUE(!train::FusedAdamW::applies(optimizer));
      if (fused_step) fused.step(optimizer);
      else optimizer.step();
    }
    return std::make_pair(a.detach().clone(), b.detach().clone());
  };
  const auto fused = run(true), libtorch = run(false);
  EXPECT_CLOSE(fused.first, libtorch.first, 0.0, "float32 parameter");
  EXPECT_CLOSE(fused.second, libtorch.second, 0.0, "float64 parameter");
}

TEST(gradient_clipping_equals_libtorch_clip_grad_norm_bit_for_bit) {
  at::manual_seed(24);
  for (double max_norm : {0.5, 1e9, std::numeric_limits<double>::infinity()}) {
    std::vector<at::Tensor> ours, theirs;
    for (int64_t n : {5000, 7, 1}) {
      const at::Tensor g = at::randn({n}) * 3;
      for (auto* list : {&ours, &theirs}) {
        list->push_back(at::zeros({n}).requires_grad_(true));
        list->back().mutable_grad() = g.clone();
      }
    }
    for (auto* list : {&ours, &theirs}) list->push_back(at::zeros({3}).requires_grad_(true));  // no gradient
    const at::Tensor norm = train::clip_gradient_norm_(ours, max_norm);
    const double expected = torch::nn::utils::clip_grad_norm_(theirs, max_norm);
    EXPECT_EQ(norm.item<double>(), expected);
    for (size_t i = 0; i < 3; ++i) EXPECT_CLOSE(ours[i].grad(), theirs[i].grad(), 0.0, "gradient " + std::to_string(i));
    if (max_norm == 0.5) {
      at::Tensor squares = at::zeros({}, at::kDouble);
      for (size_t i = 0; i < 3; ++i) squares += ours[i].grad().to(at::kDouble).pow(2).sum();
      EXPECT_TRUE(std::abs(std::sqrt(squares.item<double>()) - 0.5) < 1e-6);  // clipped to the bound
    }
  }
  EXPECT_EQ(train::clip_gradient_norm_({at::zeros({2}).requires_grad_(true)}, 1.0).item<double>(), 0.0);
}

TEST(every_invalid_training_case_in_the_native_keys_is_refused_naming_its_field) {
  const auto cases = merba::test::invalid_cases(MERBA_TEST_DATA_DIR "/training-config/invalid");
  const std::set<std::string> native_keys{
      "learning_rate", "min_learning_rate", "weight_decay", "beta1", "beta2", "eps", "warmup_steps", "total_steps",
      "grad_clip", "flip_probability", "max_translation", "erase_size", "sibling_weight", "class_weights",
      "label_smoothing", "mixup_alpha", "ema_decay", "sam_rho"};
  const int ran = merba::test::expect_all_refused(cases, native_keys,
                                                  [](const std::string& json) { TrainingOptions::from_json(json); });
  EXPECT_EQ(ran, 19);
  // The unknown key is refused by name as well.
  EXPECT_THROWS_WITH(TrainingOptions::from_json(R"({"learning_rat": 1e-3})"), std::invalid_argument, "learning_rat");
  // Messages give the value as well as the field, and the index of a bad list entry.
  EXPECT_THROWS_WITH(TrainingOptions::from_json(R"({"label_smoothing": 1.5})"), std::invalid_argument,
                     "label_smoothing must be in [0, 1), got 1.5");
  EXPECT_THROWS_WITH(TrainingOptions::from_json(R"({"class_weights": [1, 2, -0.5]})"), std::invalid_argument,
                     "class_weights[2] must be finite and > 0, got -0.5");
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

namespace {

// A known motion: a smooth bump of horizontal and vertical motion in the middle of an otherwise still face,
// u, v and a strain-like third channel ≥ 0; (3, H, W) float64.
at::Tensor known_motion(int64_t H, int64_t W) {
  const at::Tensor y = at::arange(H, at::kDouble).view({H, 1}).expand({H, W});
  const at::Tensor x = at::arange(W, at::kDouble).view({1, W}).expand({H, W});
  const at::Tensor bump = at::exp(-((x - 3.0).pow(2) + (y - 4.0).pow(2)) / 3.0);
  at::Tensor f = at::stack({1.5 * bump, -0.7 * bump, bump * bump}, 0);
  return f.where(bump > 1e-3, at::zeros_like(f));  // exactly still away from the bump
}

// The motion mirrored left–right: columns reversed and u negated.
at::Tensor mirrored_motion(const at::Tensor& f) {
  at::Tensor m = f.flip({2}).clone();
  m[0].neg_();
  return m;
}

// The motion moved down dy and right dx, nothing moving where it came in from.
at::Tensor translated_motion(const at::Tensor& f, int64_t dy, int64_t dx) {
  return train::translate(f, dy, dx, at::zeros({f.size(0)}, f.options()));
}

// An affine encoding of flows, per channel: (f − offset) / scale. Signed flows: offset 0, scale 1. Min-max
// images: the image's own min and range, so that "no motion" sits at −offset / scale (its zero level).
struct Encoding {
  at::Tensor offset, scale;  // (C)
  at::Tensor operator()(const at::Tensor& f) const { return (f - offset.view({-1, 1, 1})) / scale.view({-1, 1, 1}); }
  at::Tensor zero_level() const { return -offset / scale; }
};

Encoding signed_encoding(int64_t C) { return {at::zeros({C}, at::kDouble), at::ones({C}, at::kDouble)}; }

Encoding min_max_encoding(const at::Tensor& f) {
  const at::Tensor lo = std::get<0>(f.flatten(1).min(1)), hi = std::get<0>(f.flatten(1).max(1));
  return {lo, hi - lo};
}

}  // namespace

TEST(mirroring_an_encoded_flow_equals_encoding_the_mirrored_motion) {
  const at::Tensor f = known_motion(7, 9);
  for (const Encoding& e : {signed_encoding(3), min_max_encoding(f)}) {
    const at::Tensor image = e(f);
    EXPECT_CLOSE(train::mirror_flow(image, e.zero_level()), e(mirrored_motion(f)), 1e-12, "mirror");
  }
  // The min-max zero levels are far from 0.5 here, where the old rule 1 − u was wrong.
  const Encoding mm = min_max_encoding(f);
  EXPECT_TRUE(std::abs(mm.zero_level()[0].item<double>() - 0.5) > 0.1);
  EXPECT_TRUE(!at::allclose(1 - mm(f)[0].flip({1}), mm(mirrored_motion(f))[0]));
}

TEST(mirroring_a_centred_batch_mirrors_each_signed_flow) {
  // Test-time flipping's mirror: each sample of the batch as mirror_flow with zero levels 0, i.e. the mirrored motion.
  const at::Tensor batch = at::stack({known_motion(7, 9), known_motion(7, 9).flip({1}) * 0.5});
  const at::Tensor mirrored = model::mirror_centred(batch);
  for (int64_t b = 0; b < 2; ++b) {
    EXPECT_CLOSE(mirrored[b], train::mirror_flow(batch[b], at::zeros({3}, at::kDouble)), 0.0, "sample");
  }
  EXPECT_CLOSE(mirrored[0], mirrored_motion(known_motion(7, 9)), 1e-12, "the mirrored motion");
  EXPECT_CLOSE(model::mirror_centred(mirrored), batch, 0.0, "an involution");
}

TEST(translating_an_encoded_flow_fills_with_its_zero_level) {
  const at::Tensor f = known_motion(7, 9);
  for (const Encoding& e : {signed_encoding(3), min_max_encoding(f)}) {
    for (auto [dy, dx] : {std::pair<int64_t, int64_t>{1, -2}, {-2, 3}, {0, 1}, {7, 0}}) {
      EXPECT_CLOSE(train::translate(e(f), dy, dx, e.zero_level()), e(translated_motion(f, dy, dx)), 1e-12,
                   "translate " + std::to_string(dy) + ", " + std::to_string(dx));
    }
  }
}

TEST(translation_shifts_pixels) {
  const at::Tensor s = at::arange(1, 1 + 2 * 4 * 4, at::kFloat).view({2, 4, 4});
  const at::Tensor t = train::translate(s, 1, -2, at::tensor({0.25f, -1.0f}));  // down 1, left 2
  EXPECT_EQ(t[0][1][0].item<double>(), s[0][0][2].item<double>());
  EXPECT_EQ(t[1][3][1].item<double>(), s[1][2][3].item<double>());
  EXPECT_EQ(t[0][0][1].item<double>(), 0.25);  // the top row is fill
  EXPECT_EQ(t[1][2][3].item<double>(), -1.0);  // so are the right columns
}

TEST(erasing_an_encoded_flow_equals_encoding_the_motion_stilled_there) {
  const at::Tensor f = known_motion(7, 9);
  for (const Encoding& e : {signed_encoding(3), min_max_encoding(f)}) {
    for (auto [cy, cx, size] : {std::tuple<int64_t, int64_t, int64_t>{4, 3, 3}, {0, 8, 4}, {6, 0, 5}, {3, 4, 20}}) {
      // The reference: the motion itself, zero inside the square (rows and columns by comparison, not slicing).
      const at::Tensor rows = at::arange(7, at::kLong).view({7, 1}), cols = at::arange(9, at::kLong).view({1, 9});
      const at::Tensor inside = (rows >= cy - size / 2) & (rows < cy - size / 2 + size) & (cols >= cx - size / 2) &
                                (cols < cx - size / 2 + size);
      const at::Tensor stilled = f.masked_fill(inside.unsqueeze(0), 0.0);
      EXPECT_CLOSE(train::erase(e(f), cy, cx, size, e.zero_level()), e(stilled), 1e-12,
                   "erase at " + std::to_string(cy) + ", " + std::to_string(cx) + " size " + std::to_string(size));
    }
  }
  // Clipped at the border: a 3-square centred on the top-right pixel covers rows 0..1 and columns 2..3.
  const at::Tensor s = at::ones({1, 4, 4});
  const at::Tensor t = train::erase(s, 0, 3, 3, at::tensor({0.5f}));
  EXPECT_EQ(t.eq(0.5).sum().item<int64_t>(), int64_t(4));
  EXPECT_EQ(t[0][1][2].item<double>(), 0.5);
  EXPECT_EQ(t[0][2][3].item<double>(), 1.0);
  EXPECT_CLOSE(train::erase(s, 0, 3, 0, at::tensor({0.5f})), s, 0.0, "size 0 erases nothing");
}

TEST(erasing_comes_after_the_flips_and_shifts_and_draws_after_them) {
  // With erasing on, a batch is the batch without it, erased at centres drawn next from the same generator: runs
  // without erasing keep their random sequence, and erasing applies to the mirrored and shifted sample.
  TrainingOptions plain;
  plain.max_translation = 2;
  TrainingOptions erasing = plain;
  erasing.erase_size = 5;
  const at::Tensor batch = at::rand({6, 3, 12, 10});
  const at::Tensor zeros = at::rand({6, 3});
  at::Generator a = at::make_generator<at::CPUGeneratorImpl>(3), b = at::make_generator<at::CPUGeneratorImpl>(3);
  const at::Tensor erased = train::augment(batch, zeros, erasing, a);
  const at::Tensor shifted = train::augment(batch, zeros, plain, b);
  const at::Tensor cy = at::randint(0, 12, {6}, b, at::TensorOptions().dtype(at::kLong));
  const at::Tensor cx = at::randint(0, 10, {6}, b, at::TensorOptions().dtype(at::kLong));
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_CLOSE(erased[i], train::erase(shifted[i], cy[i].item<int64_t>(), cx[i].item<int64_t>(), 5, zeros[i]), 0.0,
                 "sample " + std::to_string(i));
  }
  EXPECT_TRUE(!at::equal(erased, shifted));
  EXPECT_THROWS_WITH(TrainingOptions::from_json(R"({"erase_size": 65})"), std::invalid_argument,
                     "erase_size must be in 0..64");
}

TEST(augmentation_is_reproducible_from_the_seed) {
  TrainingOptions o;
  const at::Tensor batch = at::rand({8, 3, 28, 28});
  const at::Tensor zeros = at::rand({8, 3});
  at::Generator a = at::make_generator<at::CPUGeneratorImpl>(5), b = at::make_generator<at::CPUGeneratorImpl>(5);
  EXPECT_CLOSE(train::augment(batch, zeros, o, a), train::augment(batch, zeros, o, b), 0.0, "same seed");
  o.flip_probability = 0;
  o.max_translation = 0;
  EXPECT_CLOSE(train::augment(batch, zeros, o, a), batch, 0.0, "disabled");
  EXPECT_THROWS_WITH(train::augment(batch, at::zeros({8, 2}), o, a), c10::ValueError, "zero_levels must have shape");
}

TEST(augmenting_a_still_sample_keeps_it_still) {
  // A sample without motion, at zero levels that differ per sample and channel: every flip and shift of it is
  // the same still sample.
  TrainingOptions o;
  o.flip_probability = 0.5;
  o.max_translation = 3;
  o.erase_size = 5;
  const at::Tensor zeros = at::rand({16, 3});
  const at::Tensor still = zeros.view({16, 3, 1, 1}).expand({16, 3, 12, 12}).contiguous();
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(9);
  EXPECT_CLOSE(train::augment(still, zeros, o, g), still, 1e-7, "still");
}

TEST(mixup_mixes_inputs_and_targets_with_lambda) {
  // Two samples, λ = 0.3, partners swapped: inputs 0.3·x₀ + 0.7·x₁ and 0.3·x₁ + 0.7·x₀.
  train::MixupDraw draw;
  draw.lambda = 0.3;
  draw.permutation = at::tensor(std::vector<int64_t>{1, 0});
  const at::Tensor x = at::rand({2, 3, 4, 4});
  const at::Tensor mixed = train::mix_inputs(x, draw);
  EXPECT_CLOSE(mixed[0], 0.3 * x[0] + 0.7 * x[1], 1e-6, "input 0");
  EXPECT_CLOSE(mixed[1], 0.3 * x[1] + 0.7 * x[0], 1e-6, "input 1");
  // megc-3 (fine = coarse): soft targets 0.3 on the own class, 0.7 on the partner's.
  const model::ModelConfig c = model::composite_28();
  const model::DgcmTargets t = model::dgcm_targets(at::tensor(std::vector<int64_t>{0, 2}), c);
  const model::DgcmTargets m = model::mix_targets(t, t.index_select(draw.permutation), 0.3);
  EXPECT_CLOSE(m.coarse, at::tensor({0.3f, 0.f, 0.7f, 0.7f, 0.f, 0.3f}).view({2, 3}), 1e-6, "soft targets");
  EXPECT_TRUE(!m.weight.defined());
}

TEST(mixup_lambda_follows_beta_even_where_gamma_draws_underflow) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(11);
  // α = 1: Beta(1, 1) is uniform, mean 1/2 and variance 1/12 (4000 draws: standard errors 0.005 and 0.001).
  double sum = 0, sum_sq = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const double l = train::draw_mixup(4, 1.0, generator).lambda;
    sum += l;
    sum_sq += l * l;
  }
  const double mean = sum / n, variance = sum_sq / n - mean * mean;
  EXPECT_TRUE(std::abs(mean - 0.5) < 0.02);
  EXPECT_TRUE(std::abs(variance - 1.0 / 12) < 0.006);
  // α = 0.001: Beta puts mass ≈ α·ln(1/(2ε)) ≈ 0.4 % in [ε, 1 − ε] for ε = 0.01 (about 2 of 400 draws), and 0.5 is
  // its least likely value. The Gamma draws underflow in about a quarter of the batches and used to give exactly 0.5 there.
  int in_the_middle = 0;
  for (int i = 0; i < 400; ++i) {
    const double l = train::draw_mixup(4, 0.001, generator).lambda;
    EXPECT_TRUE(l >= 0 && l <= 1);
    if (l > 0.01 && l < 0.99) ++in_the_middle;
  }
  EXPECT_TRUE(in_the_middle <= 12);
}

TEST(mixed_targets_give_the_mixture_of_the_losses) {
  // casme2-5 with siblings, class weights and label smoothing: Σ w·loss(mixed) = λ·Σ w_a·loss(a) + (1 − λ)·Σ w_b·loss(b).
  model::ModelConfig c = model::composite_28();
  c.num_coarse = 4;
  c.fine_to_coarse = {0, 1, 1, 2, 3};
  model::HeadOutput logits;
  logits.coarse_logits = at::randn({4, 4}, at::kDouble);
  logits.fine_logits = at::randn({4, 5}, at::kDouble);
  const at::Tensor weights = at::tensor({0.5, 2.0, 1.5, 1.0, 3.0}, at::kFloat);
  const model::DgcmTargets a = model::dgcm_targets(at::tensor(std::vector<int64_t>{1, 2, 0, 4}), c, 0.1, weights);
  const model::DgcmTargets b = model::dgcm_targets(at::tensor(std::vector<int64_t>{2, 3, 1, 1}), c, 0.1, weights);
  const double lambda = 0.35;
  const model::DgcmTargets m = model::mix_targets(a, b, lambda);
  auto weighted_sum = [&](const model::DgcmTargets& t) {
    return model::dgcm_loss(logits, t, c).item<double>() * t.weight.sum().item<double>();
  };
  const double expected = lambda * weighted_sum(a) + (1 - lambda) * weighted_sum(b);
  EXPECT_TRUE(std::abs(weighted_sum(m) - expected) < 1e-5);
}

TEST(label_smoothing_on_a_hand_computed_case) {
  // casme2-5: sample "repression" (group negative = {disgust, repression}), ε = 0.2, 4 groups.
  model::ModelConfig c = model::composite_28();
  c.num_coarse = 4;
  c.fine_to_coarse = {0, 1, 1, 2, 3};
  const model::DgcmTargets t = model::dgcm_targets(at::tensor(std::vector<int64_t>{2}), c, 0.2);
  EXPECT_CLOSE(t.coarse, at::tensor({0.05f, 0.85f, 0.05f, 0.05f}).view({1, 4}), 1e-6, "coarse: 0.8 + 0.2/4");
  EXPECT_CLOSE(t.fine, at::tensor({0.f, 0.1f, 0.9f, 0.f, 0.f}).view({1, 5}), 1e-6, "fine: 0.8 + 0.2/2 in the group");
  model::HeadOutput logits;
  logits.coarse_logits = at::log(at::tensor({0.1, 0.6, 0.2, 0.1}).view({1, 4}));
  logits.fine_logits = at::log(at::tensor({1.0, 0.2, 0.8, 9.0, 9.0}).view({1, 5}));
  const double coarse = -(0.05 * std::log(0.1) + 0.85 * std::log(0.6) + 0.05 * std::log(0.2) + 0.05 * std::log(0.1));
  const double fine = -(0.1 * std::log(0.2) + 0.9 * std::log(0.8));
  EXPECT_CLOSE(model::dgcm_loss(logits, t, c), at::scalar_tensor(coarse + fine, at::kDouble), 1e-6, "loss");
}

TEST(weight_average_after_k_steps_equals_the_closed_form) {
  // a_k = d_k·a_{k−1} + (1 − d_k)·w_k with d_k = min(d, (1 + k)/(10 + k)), a_0 = w_0.
  torch::nn::Linear net(3, 2);
  const double decay = 0.6;
  train::WeightEma ema(*net, decay);
  std::vector<at::Tensor> history{net->weight.detach().clone()};
  for (int k = 1; k <= 5; ++k) {
    at::NoGradGuard no_grad;
    net->weight.add_(at::randn_like(net->weight));
    history.push_back(net->weight.detach().clone());
    ema.update();
  }
  // Closed form: a_5 = Π d_j · w_0 + Σ_k (1 − d_k) · Π_{j>k} d_j · w_k.
  at::Tensor expected = at::zeros_like(history[0], at::kDouble);
  for (int k = 0; k <= 5; ++k) {
    double coefficient = k == 0 ? 1.0 : 1.0 - ema.decay_at(k);
    for (int j = k + 1; j <= 5; ++j) coefficient *= ema.decay_at(j);
    expected += coefficient * history[k].to(at::kDouble);
  }
  EXPECT_EQ(ema.decay_at(1), 2.0 / 11.0);
  EXPECT_EQ(ema.decay_at(100), decay);
  const at::Tensor raw = net->weight.detach().clone();
  ema.swap();
  EXPECT_CLOSE(net->weight.detach().to(at::kDouble), expected, 1e-6, "averaged weights swapped in");
  ema.swap();
  EXPECT_CLOSE(net->weight.detach(), raw, 0.0, "raw weights swapped back");
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

TEST(a_bad_batch_or_training_state_is_named_before_anything_changes) {
  model::ModelConfig c = model::composite_28();
  model::MerbaNet net(c);
  model::initialize(*net, 1);
  TrainingOptions o;  // flips and shifts on, as by default
  o.total_steps = 4;
  o.ema_decay = 0.9;
  train::TrainSession session(net, o, 3);
  // The batch is checked before the augmentation, so the message is about the batch.
  EXPECT_THROWS_WITH(session.step(at::zeros({0, 3, 28, 28}), at::zeros({0}, at::kLong)), c10::ValueError,
                     "holds no samples");
  EXPECT_THROWS_WITH(session.step(at::zeros({2, 4, 28, 28}), at::zeros({2}, at::kLong), at::zeros({2, 4})),
                     c10::ValueError, "must have 3 channels");
  session.step(at::rand({2, 3, 28, 28}), at::tensor(std::vector<int64_t>{0, 2}));
  // A state whose weight average counts other steps than the session is refused, the weights untouched.
  checkpoint::NamedTensors state = session.state();
  for (auto& [name, tensor] : state) {
    if (name == "ema.updates") tensor = at::scalar_tensor(int64_t{-3}, at::kLong);
    else tensor = tensor.clone();
  }
  const at::Tensor before = net->named_parameters()["stem.conv1.weight"].detach().clone();
  for (auto& [name, tensor] : state) {
    if (name == "model.stem.conv1.weight") tensor.add_(1.0);
  }
  EXPECT_THROWS_WITH(session.restore_state(state), c10::ValueError,
                     "ema.updates = -3 differs from session.step = 1");
  EXPECT_CLOSE(net->named_parameters()["stem.conv1.weight"].detach(), before, 0.0, "weights untouched");
}

TEST(a_sharpness_perturbation_moves_along_the_normalised_gradient_and_restores_exactly) {
  // Gradients (3, 4) and (0): global norm 5, so e = ρ·(0.6, 0.8) and 0; a parameter without a gradient stays put.
  at::Tensor a = at::tensor({1.0f, 2.0f}).requires_grad_(true), b = at::tensor({7.0f}).requires_grad_(true);
  const at::Tensor untouched = at::tensor({5.0f}).requires_grad_(true);
  a.mutable_grad() = at::tensor({3.0f, 4.0f});
  b.mutable_grad() = at::tensor({0.0f});
  {
    train::SharpnessPerturbation perturbation({a, b, untouched}, 0.5);
    EXPECT_CLOSE(a.detach(), at::tensor({1.3f, 2.4f}), 1e-7, "a moved by 0.5·(3, 4)/5");
    EXPECT_CLOSE(b.detach(), at::tensor({7.0f}), 0.0, "b, whose gradient is 0, not moved");
    EXPECT_CLOSE(untouched.detach(), at::tensor({5.0f}), 0.0, "a parameter without a gradient not moved");
    EXPECT_CLOSE(perturbation.gradient_norm(), at::scalar_tensor(5.0f), 0.0, "the global norm");
    perturbation.restore();
    EXPECT_TRUE(at::equal(a.detach(), at::tensor({1.0f, 2.0f})));  // bit for bit, not 1.3 − 0.3
    perturbation.restore();  // a second restore changes nothing
    EXPECT_TRUE(at::equal(a.detach(), at::tensor({1.0f, 2.0f})));
  }
  // Left without restore() (an exception in the second pass), the destructor puts the weights back.
  {
    train::SharpnessPerturbation perturbation({a, b}, 0.5);
    EXPECT_TRUE(!at::equal(a.detach(), at::tensor({1.0f, 2.0f})));
  }
  EXPECT_TRUE(at::equal(a.detach(), at::tensor({1.0f, 2.0f})));
  EXPECT_THROWS_WITH(train::SharpnessPerturbation({untouched}, 0.5), c10::ValueError, "no parameter has a gradient");
}

// SAM's step against a hand-written one: the gradient g at w, the weights moved by ρ·g/‖g‖, the gradient there,
// the weights put back and AdamW (LibTorch's, same parameter groups) applied with that second gradient; BatchNorm's
// running statistics updated by the first pass only. No randomness: no drop path, flips, shifts or mixup.
TEST(a_sharpness_aware_step_applies_the_gradient_at_the_perturbed_weights) {
  const int threads = at::get_num_threads();
  at::set_num_threads(1);  // bitwise repeatable forwards on the CPU (see the mask test below)
  model::ModelConfig c = model::composite_28();
  c.drop_path = 0;
  auto make_net = [&] {
    model::MerbaNet net(c);
    model::initialize(*net, 5);
    net->train();
    return net;
  };
  TrainingOptions o;
  o.learning_rate = 1e-3;
  o.total_steps = 10;
  o.flip_probability = 0;
  o.max_translation = 0;
  o.grad_clip = 0;
  o.eps = 1e-2;  // AdamW's first update, lr·g/(|g| + eps), then depends smoothly on g even where g is near 0
  o.sam_rho = 0.05;
  at::manual_seed(6);
  const at::Tensor x = at::rand({6, 3, 28, 28});
  const at::Tensor y = at::tensor(std::vector<int64_t>{0, 1, 2, 0, 1, 2});

  model::MerbaNet net = make_net();
  train::TrainSession session(net, o, 11);
  const train::StepResult r = session.step(x, y);

  model::MerbaNet ref = make_net();
  const model::DgcmTargets targets = model::dgcm_targets(y, c, 0.0, {});
  auto loss_at_current_weights = [&] {
    const model::HeadOutput out = ref->forward(x);
    at::Tensor loss = model::dgcm_loss(out, targets, c, o.sibling_weight);
    loss.backward();
    return loss.item<double>();
  };
  std::vector<at::Tensor> params = ref->parameters();
  const double loss_at_w = loss_at_current_weights();
  std::vector<at::Tensor> statistics_after_one_pass;
  for (const auto& b : ref->buffers()) statistics_after_one_pass.push_back(b.detach().clone());
  double squares = 0;
  for (const auto& p : params) squares += p.grad().to(at::kDouble).pow(2).sum().item<double>();
  std::vector<at::Tensor> moves, saved;
  {
    at::NoGradGuard no_grad;
    for (auto& p : params) {
      saved.push_back(p.detach().clone());
      moves.push_back((p.grad().to(at::kDouble) * (o.sam_rho / std::sqrt(squares))).to(at::kFloat));
      p.add_(moves.back());
      p.mutable_grad() = at::Tensor();
    }
  }
  loss_at_current_weights();
  {
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(saved[i]);
  }
  train::ParameterGroups groups = train::parameter_groups(*ref);
  auto adamw_options = [&](double decay) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(o.learning_rate).eps(o.eps).weight_decay(decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  param_groups.emplace_back(groups.decay, adamw_options(o.weight_decay));
  param_groups.emplace_back(groups.no_decay, adamw_options(0.0));
  torch::optim::AdamW adamw(param_groups, torch::optim::AdamWOptions(o.learning_rate));
  adamw.step();

  EXPECT_TRUE(std::abs(r.loss - loss_at_w) < 1e-6);  // the step reports the loss at w
  const std::vector<at::Tensor> trained = net->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_CLOSE(trained[i].detach(), params[i].detach(), 1e-6, "parameter after the sharpness-aware step");
  }
  const std::vector<at::Tensor> buffers = net->buffers();
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_CLOSE(buffers[i], statistics_after_one_pass[i], 0.0, "BatchNorm statistics of the first pass only");
  }
  // And it is not the plain step: the gradient at w alone moves the weights elsewhere.
  model::MerbaNet plain_net = make_net();
  TrainingOptions plain = o;
  plain.sam_rho = 0;
  train::TrainSession plain_session(plain_net, plain, 11);
  plain_session.step(x, y);
  double largest = 0;
  const std::vector<at::Tensor> plain_trained = plain_net->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    largest = std::max(largest, (plain_trained[i] - trained[i]).abs().max().item<double>());
  }
  EXPECT_TRUE(largest > 1e-4);
  at::set_num_threads(threads);
}

// The second pass of a sharpness-aware step on what the first saw: with drop path, two shards on two threads (each
// its share of the batch mean) and clipping that bites, a radius too small to move the weights must give the plain
// step. Other masks, another shard weighting or an unclipped gradient in the second pass would not.
TEST(a_sharpness_aware_step_of_radius_near_zero_is_the_plain_step_with_shards_and_drop_path) {
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  model::ModelConfig c = model::composite_28();
  c.drop_path = 0.3;
  c.dropout = 0.2;
  TrainingOptions o;
  o.learning_rate = 1e-3;
  o.total_steps = 10;
  o.grad_clip = 0.05;  // far below a fresh network's gradient norm: every step is clipped
  o.eps = 1e-2;        // see a_sharpness_aware_step_applies_the_gradient_at_the_perturbed_weights
  o.mixup_alpha = 0.4;
  at::manual_seed(12);
  const at::Tensor x = at::rand({16, 3, 28, 28});
  const at::Tensor y = at::randint(0, 3, {16}, at::TensorOptions().dtype(at::kLong));
  auto trained = [&](double rho) {
    model::MerbaNet net(c);
    model::initialize(*net, 8);
    TrainingOptions with = o;
    with.sam_rho = rho;
    train::TrainSession session(net, with, 21);
    train::StepResult r;
    for (int i = 0; i < 2; ++i) r = session.step(x, y);
    EXPECT_TRUE(r.grad_norm > 10 * o.grad_clip);
    std::vector<at::Tensor> out;
    for (const auto& p : net->parameters()) out.push_back(p.detach().clone());
    return out;
  };
  const auto plain = trained(0), near_zero = trained(1e-9), moved = trained(0.05);
  double largest_near = 0, largest_moved = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    largest_near = std::max(largest_near, (near_zero[i] - plain[i]).abs().max().item<double>());
    largest_moved = std::max(largest_moved, (moved[i] - plain[i]).abs().max().item<double>());
  }
  EXPECT_TRUE_MSG(largest_near < 1e-6, "radius 1e-9 against the plain step: " + std::to_string(largest_near));
  EXPECT_TRUE_MSG(largest_moved > 1e-5, "radius 0.05 against the plain step: " + std::to_string(largest_moved));
  at::set_num_threads(threads);
}

// What a replayed CUDA step graph relies on (cuda/cuda_step_graph.cpp), checked on the CPU: a pass whose masks
// come through a MaskSource drawing them as usual computes what the plain pass computes; and masks drawn again,
// in the recorded order, into buffers of the recorded shapes from a generator seeded alike are the same masks,
// so a pass served from those buffers computes it too. Drop path and the head's dropout both draw.
TEST(masks_drawn_again_into_recorded_buffers_give_the_eager_pass) {
  model::ModelConfig c = model::composite_28();
  c.dropout = 0.2;
  model::MerbaNet net(c);
  model::initialize(*net, 3);
  net->train();
  // One intra-op thread: with two, a training-mode forward on the CPU was not bitwise repeatable here (some
  // reduction's order depends on the threads), and equality is what this test is about.
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  at::manual_seed(4);
  const at::Tensor x = at::rand({4, c.in_channels, c.input_size, c.input_size});
  auto generator = [] { return at::make_generator<at::CPUGeneratorImpl>(9); };
  auto logits = [&] {
    const model::HeadOutput out = net->forward(x);
    return at::cat({out.coarse_logits.defined() ? out.coarse_logits : at::empty({4, 0}),
                    out.fine_logits.defined() ? out.fine_logits : at::empty({4, 0})}, 1);
  };
  at::NoGradGuard no_grad;
  at::Tensor eager;
  {
    model::ShardContext context(generator(), /*update_batch_norm_statistics=*/false);
    eager = logits();
  }
  struct Slot {
    std::vector<int64_t> shape;
    double keep;
    at::Tensor buffer;
  };
  std::vector<Slot> slots;
  at::Tensor recorded;
  {
    const at::Generator g = generator();
    model::ShardContext context(g, false, [&](at::IntArrayRef shape, double keep, const at::TensorOptions& o) {
      slots.push_back({shape.vec(), keep, {}});
      return model::draw_bernoulli_mask(shape, keep, o, g);
    });
    recorded = logits();
  }
  EXPECT_TRUE(at::equal(recorded, eager));
  EXPECT_TRUE(slots.size() > 1);  // drop path in the blocks and the head's dropout
  const at::Generator again = generator();
  for (Slot& slot : slots) slot.buffer = at::empty(slot.shape).bernoulli_(slot.keep, again).div_(slot.keep);
  size_t next = 0;
  at::Tensor replayed;
  {
    model::ShardContext context(generator(), false, [&](at::IntArrayRef shape, double keep, const at::TensorOptions&) {
      EXPECT_TRUE(next < slots.size() && slots[next].shape == shape.vec() && slots[next].keep == keep);
      return slots[next++].buffer;
    });
    replayed = logits();
  }
  EXPECT_EQ(next, slots.size());
  EXPECT_TRUE(at::equal(replayed, eager));
  at::set_num_threads(threads);
}

TEST(cuda_graphs_of_the_step_need_a_network_on_a_gpu) {
  model::MerbaNet net(model::composite_28());
  TrainingOptions o;
  train::TrainSession session(net, o, 1);
  EXPECT_THROWS_WITH(session.use_cuda_graphs(true), c10::ValueError, "need the network on a GPU; it is on cpu");
  session.use_cuda_graphs(false);  // off is always fine
  EXPECT_TRUE(session.step_graph() == nullptr);
  if (!train::step_graphs_available()) {
    EXPECT_THROWS_WITH(train::make_step_graph(net->parameters(), net->buffers()), c10::Error,
                       "built without CUDA support");
  }
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
