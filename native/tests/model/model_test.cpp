// The MERba network: shapes, the spec's building blocks against independent computations, parameter
// names against the checkpoint format, gradients, determinism and input validation.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <fstream>
#include <set>
#include <sstream>

#include "model/device_index.h"
#include "model/dgcm_loss.h"
#include "model/merba_net.h"
#include "model/model_summary.h"
#include "model/scan_order.h"
#include "model/window_partition.h"
#include "support/invalid_cases.h"
#include <limits>
#include "reference/selective_scan_reference.h"
#include "support/tensor_checks.h"

using namespace merba::model;

namespace {

ModelConfig casme2_5(ModelConfig c) {
  // happiness→positive(0), disgust→negative(1), repression→negative(1), surprise(2), others(3)
  c.num_coarse = 4;
  c.fine_to_coarse = {0, 1, 1, 2, 3};
  return c;
}

MerbaNet make(const ModelConfig& c, uint64_t seed = 7) {
  MerbaNet net(c);
  initialize(*net, seed);
  return net;
}

at::Tensor sample_input(const ModelConfig& c, int64_t batch, uint64_t seed = 3) {
  at::manual_seed(seed);
  return at::rand({batch, c.in_channels, c.input_size, c.input_size});
}

}  // namespace

TEST(composite_28_output_shapes) {
  MerbaNet net = make(composite_28());
  net->eval();
  HeadOutput out = net->forward(sample_input(net->config(), 2));
  EXPECT_SHAPE(out.coarse_logits, {2, 3});
  EXPECT_TRUE(!out.fine_logits.defined());  // megc-3: fine = coarse, no fine head

  MerbaNet five = make(casme2_5(composite_28()));
  HeadOutput out5 = five->forward(sample_input(five->config(), 2));
  EXPECT_SHAPE(out5.coarse_logits, {2, 4});
  EXPECT_SHAPE(out5.fine_logits, {2, 5});
}

TEST(paper_224_output_shapes_and_backward) {
  MerbaNet net = make(casme2_5(paper_224()));
  {
    net->train();
    const at::Tensor x = sample_input(net->config(), 2);
    dgcm_loss(net->forward(x), at::tensor(std::vector<int64_t>{1, 3}), net->config()).backward();
    EXPECT_TRUE(net->named_parameters()["stages.3.blocks.1.mixers.0.A_log"].grad().abs().sum().item<double>() > 0);
    EXPECT_TRUE(net->named_parameters()["stem.conv1.weight"].grad().abs().sum().item<double>() > 0);
  }
  net->eval();
  at::NoGradGuard no_grad;
  HeadOutput out = net->forward(sample_input(net->config(), 1));
  EXPECT_SHAPE(out.coarse_logits, {1, 4});
  EXPECT_SHAPE(out.fine_logits, {1, 5});
  EXPECT_EQ(net->config().num_windows(0), 64);
  EXPECT_EQ(net->config().num_windows(3), 1);
}

TEST(sizes_that_need_padding) {
  ModelConfig c = composite_28();
  c.input_size = 30;  // 30 → 35 (25 windows), 15 → 21 (9), 8 → 14 (4)
  MerbaNet net = make(c);
  EXPECT_EQ(c.num_windows(0), 25);
  EXPECT_EQ(c.num_windows(1), 9);
  EXPECT_EQ(c.num_windows(2), 4);
  HeadOutput out = net->forward(sample_input(c, 3));
  EXPECT_SHAPE(out.coarse_logits, {3, 3});
  EXPECT_TRUE(out.coarse_logits.isfinite().all().item<bool>());
}

TEST(window_partition_round_trip_and_order) {
  const at::Tensor x = at::randn({2, 5, 14, 21});
  const at::Tensor w = window_partition(x, 7);
  EXPECT_SHAPE(w, {2 * 6, 49, 5});
  EXPECT_CLOSE(window_reverse(w, 7, 2, 14, 21), x, 0.0, "round trip");
  // Window 4 of batch 1 is row 1, column 1 of the 2×3 window grid; its token r·7 + c is pixel (7 + r, 7 + c).
  EXPECT_CLOSE(w[6 + 4][3 * 7 + 2], x[1].select(1, 7 + 3).select(1, 7 + 2), 0.0, "token placement");
  const at::Tensor padded = pad_to_multiple(at::ones({1, 1, 8, 9}), 7);
  EXPECT_SHAPE(padded, {1, 1, 14, 14});
  EXPECT_EQ(padded.sum().item<double>(), 72.0);  // zeros added right and bottom only
  EXPECT_EQ(padded[0][0][7][8].item<double>(), 1.0);
}

TEST(device_index_tables_hold_their_values) {
  const at::Tensor t = device_index({3, 1, 2}, c10::Device(c10::kCPU));
  EXPECT_TRUE(t.scalar_type() == at::kLong && t.device().is_cpu());
  EXPECT_TRUE(at::equal(t, at::tensor(std::vector<int64_t>{3, 1, 2}, at::TensorOptions().dtype(at::kLong))));
  EXPECT_EQ(device_index({}, c10::Device(c10::kCPU)).numel(), int64_t(0));
}

TEST(scan_orders_and_their_inverses) {
  using V = std::vector<int64_t>;
  EXPECT_TRUE(scan_permutation(ScanOrder::H_PLUS, 3) == V({0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_TRUE(scan_permutation(ScanOrder::H_MINUS, 3) == V({8, 7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_TRUE(scan_permutation(ScanOrder::V_PLUS, 3) == V({0, 3, 6, 1, 4, 7, 2, 5, 8}));
  EXPECT_TRUE(scan_permutation(ScanOrder::V_MINUS, 3) == V({8, 5, 2, 7, 4, 1, 6, 3, 0}));
  const at::Tensor tokens = at::randn({2, 49, 4});
  for (ScanOrder o : {ScanOrder::H_PLUS, ScanOrder::H_MINUS, ScanOrder::V_PLUS, ScanOrder::V_MINUS}) {
    const auto p = scan_permutation(o, 7);
    const auto inv = inverse_permutation(p);
    for (int64_t i = 0; i < 49; ++i) EXPECT_EQ(inv[p[i]], i);
    const at::Tensor scanned = to_scan_order(tokens, o, 7);
    EXPECT_CLOSE(scanned.select(1, 5), tokens.select(1, p[5]), 0.0, to_string(o));
    EXPECT_CLOSE(from_scan_order(scanned, o, 7), tokens, 0.0, to_string(o));
  }
}

TEST(mixer_matches_the_spec_written_with_plain_ops) {
  // The spec's mixer pseudo-code with LibTorch's conv1d and the plain-ops scan reference.
  Mixer mixer(MixerOptions(32).d_state(8).d_conv(3));
  auto p = mixer->named_parameters();
  const at::Tensor x = at::randn({3, 49, 32});
  const auto xz = at::linear(x, p["in_proj.weight"]).transpose(1, 2).split(16, 1);
  const at::Tensor xc = at::silu(at::conv1d(xz[0], p["conv1d_x.weight"], {}, 1, 1, 1, 16));
  const at::Tensor zc = at::silu(at::conv1d(xz[1], p["conv1d_z.weight"], {}, 1, 1, 1, 16));
  const auto dbl = at::linear(xc.transpose(1, 2).reshape({3 * 49, 16}), p["x_proj.weight"]).split({2, 8, 8}, 1);
  const at::Tensor dt = at::linear(dbl[0], p["dt_proj.weight"], p["dt_proj.bias"]).view({3, 49, 16}).transpose(1, 2);
  const at::Tensor y = merba::reference::selective_scan_reference(
                           xc, dt, -at::exp(p["A_log"]), dbl[1].view({3, 49, 8}).transpose(1, 2),
                           dbl[2].view({3, 49, 8}).transpose(1, 2),
                           merba::ops::SelectiveScanOptions().D(p["D"]).delta_bias(p["dt_proj.bias"]).delta_softplus(true))
                           .out;
  const at::Tensor expected = at::linear(at::cat({y, zc}, 1).transpose(1, 2), p["out_proj.weight"]);
  EXPECT_CLOSE(mixer->forward(x), expected, 1e-5, "mixer");
}

TEST(ams_with_one_scan_is_that_scans_mixer) {
  LocalExtractorBlock block(LocalExtractorBlockOptions(32, 7).scans({ScanOrder::V_PLUS}));
  const at::Tensor x = at::randn({3, 49, 32});
  const at::Tensor expected = from_scan_order(block->mixer(0)->forward(to_scan_order(x, ScanOrder::V_PLUS, 7)),
                                              ScanOrder::V_PLUS, 7);
  EXPECT_CLOSE(block->multi_scan(x), expected, 0.0, "single-scan AMS");

  LocalExtractorBlock two(LocalExtractorBlockOptions(32, 7).scans({ScanOrder::H_PLUS, ScanOrder::V_MINUS}));
  const at::Tensor mean = (two->mixer(0)->forward(x) +
                           from_scan_order(two->mixer(1)->forward(to_scan_order(x, ScanOrder::V_MINUS, 7)),
                                           ScanOrder::V_MINUS, 7)) / 2;
  EXPECT_CLOSE(two->multi_scan(x), mean, 1e-6, "two-scan AMS is the mean");
}

TEST(stage_options_spread_drop_path_over_all_blocks) {
  // paper-224: 9 blocks over depths 1, 2, 4, 2; block j of all J uses drop_path · j / (J − 1).
  const ModelConfig c = paper_224();
  const StageOptions first = stage_options(c, 0);
  EXPECT_EQ(first.block_drop_paths().size(), size_t(1));
  EXPECT_EQ(first.block_drop_paths()[0], 0.0);
  const std::vector<double> third = stage_options(c, 2).block_drop_paths();
  EXPECT_EQ(third.size(), size_t(4));
  for (size_t j = 0; j < 4; ++j) EXPECT_TRUE(std::abs(third[j] - 0.1 * double(3 + j) / 8.0) < 1e-15);
  const StageOptions second = stage_options(c, 1), last = stage_options(c, 3);
  EXPECT_EQ(last.out_channels(), int64_t(0));
  EXPECT_EQ(second.out_channels(), int64_t(256));
  EXPECT_EQ(second.num_windows(), int64_t(16));  // 224 / 4 = 56 at stage 0, 28 at stage 1: 4×4 windows of 7
}

TEST(global_attention_when_one_window) {
  // nWin = 1: x + attn(norm1(x)), then + mlp(norm2(·)); attention written out with matmuls here.
  InterWindowAttention iwa(InterWindowAttentionOptions(8, 2, 1));
  const at::Tensor x = at::randn({2, 5, 8});
  auto p = iwa->named_parameters();
  auto layer_norm = [&](const at::Tensor& t, const std::string& n) {
    return at::layer_norm(t, {8}, p[n + ".weight"], p[n + ".bias"], 1e-5);
  };
  const at::Tensor qkv = at::linear(layer_norm(x, "norm1"), p["attn.qkv.weight"], p["attn.qkv.bias"]);
  const auto parts = qkv.view({2, 5, 3, 2, 4}).permute({2, 0, 3, 1, 4});
  const at::Tensor att = at::softmax(at::matmul(parts[0], parts[1].transpose(-1, -2)) / std::sqrt(4.0), -1);
  const at::Tensor heads = at::matmul(att, parts[2]).transpose(1, 2).reshape({2, 5, 8});
  const at::Tensor x1 = x + at::linear(heads, p["attn.proj.weight"], p["attn.proj.bias"]);
  const at::Tensor hidden = at::gelu(at::linear(layer_norm(x1, "norm2"), p["mlp.fc1.weight"], p["mlp.fc1.bias"]));
  const at::Tensor expected = x1 + at::linear(hidden, p["mlp.fc2.weight"], p["mlp.fc2.bias"]);
  EXPECT_CLOSE(iwa->forward(x, 2), expected, 1e-5, "global attention block");
  EXPECT_TRUE(!iwa->pos_embed.defined());
}

TEST(inter_window_attention_moves_windows_by_their_summary_change) {
  InterWindowAttention iwa(InterWindowAttentionOptions(8, 2, 4));
  const at::Tensor windows = at::randn({2 * 4, 9, 8});
  const at::Tensor out = iwa->forward(windows, 2);
  const at::Tensor shift = out - windows;  // the same for every token of a window
  EXPECT_CLOSE(shift, shift.select(1, 0).unsqueeze(1).expand_as(shift), 1e-6, "per-window shift");
  EXPECT_SHAPE(iwa->pos_embed, {4, 8});
}

TEST(dgcm_inference_on_hand_built_logits) {
  ModelConfig c = casme2_5(composite_28());  // groups: {0}, {1, 2}, {3}, {4}
  HeadOutput logits;
  // Sample 0: negative group wins (P = .5); within it, repression (class 2) beats disgust.
  // Sample 1: positive wins coarse, but disgust's joint probability is the largest overall.
  logits.coarse_logits = at::log(at::tensor({0.2, 0.5, 0.2, 0.1, 0.4, 0.35, 0.15, 0.1}).view({2, 4}));
  logits.fine_logits = at::log(at::tensor({1.0, 0.3, 0.7, 1.0, 1.0, 1.0, 0.95, 0.05, 1.0, 1.0}).view({2, 5}));
  c.dgcm = DgcmMode::HARD;
  DgcmPrediction hard = dgcm_predict(logits, c);
  EXPECT_EQ(hard.coarse_index[0].item<int64_t>(), 1);
  EXPECT_EQ(hard.fine_index[0].item<int64_t>(), 2);
  EXPECT_EQ(hard.coarse_index[1].item<int64_t>(), 0);
  EXPECT_EQ(hard.fine_index[1].item<int64_t>(), 0);
  EXPECT_CLOSE(hard.fine_probs[0], at::tensor({0.2, 0.15, 0.35, 0.2, 0.1}), 1e-6, "joint fine probabilities");
  EXPECT_CLOSE(hard.fine_probs.sum(1), at::ones({2}), 1e-6, "fine probabilities sum to 1");

  c.dgcm = DgcmMode::SOFT;  // sample 1: joint P(disgust) = .35·.95 = .3325 < P(happiness) = .4 → happiness
  DgcmPrediction soft = dgcm_predict(logits, c);
  EXPECT_EQ(soft.fine_index[0].item<int64_t>(), 2);
  EXPECT_EQ(soft.fine_index[1].item<int64_t>(), 0);
  // Make disgust's joint probability the largest: hard still picks the coarse winner's class.
  logits.coarse_logits = at::log(at::tensor({0.2, 0.5, 0.2, 0.1, 0.3, 0.45, 0.15, 0.1}).view({2, 4}));
  soft = dgcm_predict(logits, c);
  c.dgcm = DgcmMode::HARD;
  hard = dgcm_predict(logits, c);
  EXPECT_EQ(soft.fine_index[1].item<int64_t>(), 1);  // .45·.95 = .4275 > .3
  EXPECT_EQ(soft.coarse_index[1].item<int64_t>(), 1);
  EXPECT_EQ(hard.coarse_index[1].item<int64_t>(), 1);
  EXPECT_EQ(hard.fine_index[1].item<int64_t>(), 1);

  // Fine = coarse (megc-3): the fine class is the group's class.
  ModelConfig three = composite_28();
  HeadOutput coarse_only;
  coarse_only.coarse_logits = at::tensor({0.1, 2.0, 0.3}).view({1, 3});
  DgcmPrediction p3 = dgcm_predict(coarse_only, three);
  EXPECT_EQ(p3.fine_index[0].item<int64_t>(), 1);
  EXPECT_CLOSE(p3.fine_probs, p3.coarse_probs, 0.0, "fine = coarse");

  // Flat: a group's probability is the sum of its classes'.
  ModelConfig flat = casme2_5(composite_28());
  flat.dgcm = DgcmMode::FLAT;
  HeadOutput fine_only;
  fine_only.fine_logits = at::log(at::tensor({0.1, 0.3, 0.25, 0.2, 0.15}).view({1, 5}));
  DgcmPrediction pf = dgcm_predict(fine_only, flat);
  EXPECT_EQ(pf.fine_index[0].item<int64_t>(), 1);
  EXPECT_EQ(pf.coarse_index[0].item<int64_t>(), 1);
  EXPECT_CLOSE(pf.coarse_probs, at::tensor({0.1, 0.55, 0.2, 0.15}).view({1, 4}), 1e-6, "group sums");
}

TEST(dgcm_choose_applies_the_heads_rule_to_an_ensembles_mean) {
  ModelConfig c = casme2_5(composite_28());  // groups: {0}, {1, 2}, {3}, {4}
  // The mean of two members (EnsemblePredictionTest has the same case): one would say negative/disgust, the other
  // positive/happiness. By group the mean is negative, by its largest class happiness.
  const at::Tensor coarse = (at::tensor({0.30, 0.50, 0.10, 0.10}, at::kDouble) +
                             at::tensor({0.50, 0.40, 0.05, 0.05}, at::kDouble)).div(2).view({1, 4});
  const at::Tensor fine = (at::tensor({0.30, 0.26, 0.24, 0.10, 0.10}, at::kDouble) +
                           at::tensor({0.50, 0.12, 0.28, 0.05, 0.05}, at::kDouble)).div(2).view({1, 5});
  c.dgcm = DgcmMode::HARD;
  DgcmPrediction hard = dgcm_choose(coarse, fine, c);
  EXPECT_EQ(hard.coarse_index[0].item<int64_t>(), 1);
  EXPECT_EQ(hard.fine_index[0].item<int64_t>(), 2);  // repression: neither member's choice
  for (DgcmMode mode : {DgcmMode::SOFT, DgcmMode::FLAT}) {
    c.dgcm = mode;
    DgcmPrediction p = dgcm_choose(coarse, fine, c);
    EXPECT_EQ(p.fine_index[0].item<int64_t>(), 0);
    EXPECT_EQ(p.coarse_index[0].item<int64_t>(), 0);
  }
  // Given a head's own distributions, the rule picks what the head picked (every mode, with and without a fine head).
  torch::manual_seed(3);
  for (DgcmMode mode : {DgcmMode::HARD, DgcmMode::SOFT, DgcmMode::FLAT}) {
    for (bool five : {true, false}) {
      ModelConfig m = five ? casme2_5(composite_28()) : composite_28();
      m.dgcm = mode;
      HeadOutput logits;
      if (m.has_coarse_head()) logits.coarse_logits = at::randn({64, m.num_coarse});
      if (m.has_fine_head()) logits.fine_logits = at::randn({64, m.num_fine()});
      const DgcmPrediction own = dgcm_predict(logits, m);
      const DgcmPrediction again = dgcm_choose(own.coarse_probs, own.fine_probs, m);
      EXPECT_TRUE(at::equal(again.fine_index, own.fine_index));
      EXPECT_TRUE(at::equal(again.coarse_index, own.coarse_index));
    }
  }
  EXPECT_THROWS_WITH(dgcm_choose(coarse, fine.narrow(1, 0, 3), c), c10::ValueError, "dgcm_choose");
}

TEST(sibling_cross_entropy_on_hand_computed_cases) {
  ModelConfig c = casme2_5(composite_28());
  HeadOutput logits;
  logits.coarse_logits = at::log(at::tensor({0.25, 0.25, 0.25, 0.25, 0.1, 0.6, 0.2, 0.1}).view({2, 4}));
  logits.fine_logits = at::log(at::tensor({1.0, 3.0, 1.0, 1.0, 1.0, 5.0, 0.2, 0.8, 9.0, 9.0}).view({2, 5}));
  // Sample 0: happiness (group 0, alone): coarse −ln .25, siblings 0.
  // Sample 1: repression (group 1 = {disgust, repression}, P(rep | neg) = .8/(.2+.8)): −ln .6 − ln .8.
  const at::Tensor targets = at::tensor(std::vector<int64_t>{0, 2});
  const double expected = (-std::log(0.25) + -std::log(0.6)) / 2 + (0.0 + -std::log(0.8)) / 2;
  EXPECT_CLOSE(dgcm_loss(logits, targets, c), at::scalar_tensor(expected), 1e-6, "loss");
  EXPECT_CLOSE(dgcm_loss(logits, targets, c, 0.0), at::scalar_tensor((-std::log(0.25) - std::log(0.6)) / 2), 1e-6, "λ = 0");
}

TEST(class_weights_weight_each_sample_by_its_fine_class) {
  ModelConfig c = casme2_5(composite_28());
  HeadOutput logits;
  logits.coarse_logits = at::log(at::tensor({0.25, 0.25, 0.25, 0.25, 0.1, 0.6, 0.2, 0.1}).view({2, 4}));
  logits.fine_logits = at::log(at::tensor({1.0, 3.0, 1.0, 1.0, 1.0, 5.0, 0.2, 0.8, 9.0, 9.0}).view({2, 5}));
  const at::Tensor targets = at::tensor(std::vector<int64_t>{0, 2});
  // Per-sample losses as in the unweighted case: ln 4 and −ln .6 − ln .8; weights 3 (class 0) and 1 (class 2).
  const double l0 = std::log(4.0), l1 = -std::log(0.6) - std::log(0.8);
  const at::Tensor weights = at::tensor({3.0, 1.0, 1.0, 1.0, 1.0}, at::kFloat);
  EXPECT_CLOSE(dgcm_loss(logits, targets, c, 1.0, weights), at::scalar_tensor((3 * l0 + l1) / 4), 1e-6, "weighted");
}

TEST(parameter_names_and_shapes_match_the_checkpoint_format) {
  // Written by the independent PyTorch implementation (benchmarks/python/merba_eager.py --dump-params).
  std::ifstream file(MERBA_TEST_DATA_DIR "/model/composite-28-megc-3.parameters.txt");
  EXPECT_TRUE(file.good());
  std::set<std::string> expected;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) expected.insert(line);
  }
  MerbaNet net = make(composite_28());
  std::set<std::string> actual;
  auto describe = [](const std::string& name, const at::Tensor& t) {
    std::ostringstream s;
    s << name << " [";
    for (int64_t i = 0; i < t.dim(); ++i) s << (i ? ", " : "") << t.size(i);
    s << "]";
    return s.str();
  };
  for (const auto& p : net->named_parameters()) actual.insert(describe(p.key(), p.value()));
  for (const auto& b : net->named_buffers()) actual.insert(describe(b.key(), b.value()));
  for (const auto& name : expected) {
    if (!actual.count(name)) merba::test::fail(__FILE__, __LINE__, "missing: " + name);
  }
  for (const auto& name : actual) {
    if (!expected.count(name)) merba::test::fail(__FILE__, __LINE__, "unexpected: " + name);
  }
  EXPECT_EQ(actual.size(), size_t(137));
}

TEST(gradients_reach_every_parameter) {
  MerbaNet net = make(casme2_5(composite_28()));
  net->train();
  const at::Tensor x = sample_input(net->config(), 4);
  dgcm_loss(net->forward(x), at::tensor(std::vector<int64_t>{0, 1, 2, 4}), net->config()).backward();
  for (const auto& p : net->named_parameters()) {
    if (!p.value().grad().defined() || p.value().grad().abs().sum().item<double>() == 0.0) {
      merba::test::fail(__FILE__, __LINE__, "no gradient for " + p.key());
    }
  }
}

TEST(initialisation_follows_the_spec) {
  MerbaNet net = make(composite_28(), 11);
  auto p = net->named_parameters();
  const at::Tensor A_log = p["stages.0.blocks.0.mixers.0.A_log"];
  EXPECT_CLOSE(A_log[5], at::log(at::arange(1, 9, at::kFloat)), 1e-7, "A_log = ln(n+1)");
  EXPECT_CLOSE(p["stages.1.blocks.0.mixers.1.D"], at::ones({32}), 0.0, "D = 1");
  const at::Tensor dt = at::softplus(p["stages.0.blocks.0.mixers.0.dt_proj.bias"]);
  EXPECT_TRUE(dt.min().item<double>() >= 1e-4 - 1e-9 && dt.max().item<double>() <= 0.1 + 1e-6);
  const at::Tensor w = p["stages.2.blocks.0.mlp.fc1.weight"];
  EXPECT_TRUE(std::abs(w.std().item<double>() - 0.02) < 0.002);
  EXPECT_EQ(p["stages.2.blocks.0.mlp.fc1.bias"].abs().sum().item<double>(), 0.0);
  // Same seed, same weights; another seed, other weights.
  MerbaNet again = make(composite_28(), 11), other = make(composite_28(), 12);
  EXPECT_CLOSE(again->named_parameters()["stem.conv1.weight"], p["stem.conv1.weight"], 0.0, "seeded");
  EXPECT_TRUE(!other->named_parameters()["stem.conv1.weight"].equal(p["stem.conv1.weight"]));
}

TEST(eval_predictions_are_repeatable_and_independent_of_the_batch) {
  MerbaNet net = make(casme2_5(composite_28()));
  net->eval();
  at::NoGradGuard no_grad;
  const at::Tensor x = sample_input(net->config(), 6);
  const auto first = dgcm_predict(net->forward(x), net->config());
  const auto second = dgcm_predict(net->forward(x), net->config());
  EXPECT_CLOSE(second.fine_probs, first.fine_probs, 0.0, "repeat");
  const auto alone = dgcm_predict(net->forward(x.narrow(0, 2, 1)), net->config());
  EXPECT_CLOSE(alone.fine_probs, first.fine_probs.narrow(0, 2, 1), 1e-5, "batch independence");
  EXPECT_EQ(alone.fine_index[0].item<int64_t>(), first.fine_index[2].item<int64_t>());
}

TEST(wrong_inputs_are_refused) {
  MerbaNet net = make(composite_28());
  EXPECT_THROWS_WITH(net->forward(at::rand({2, 2, 28, 28})), c10::ValueError, "must have 3 channels");
  EXPECT_THROWS_WITH(net->forward(at::rand({3, 28, 28})), c10::ValueError, "must have shape (B, C, H, W)");
  EXPECT_THROWS_WITH(net->forward(at::rand({1, 3, 30, 30})), c10::ValueError, "must be 28x28");
  EXPECT_THROWS_WITH(net->forward(at::rand({1, 3, 28, 28}, at::kDouble)), c10::ValueError, "must be float32");
}

TEST(config_json_round_trip_and_validation) {
  ModelConfig c = casme2_5(paper_224());
  c.scans = {ScanOrder::H_PLUS, ScanOrder::H_MINUS, ScanOrder::V_PLUS, ScanOrder::V_MINUS};
  c.dgcm = DgcmMode::SOFT;
  const ModelConfig back = ModelConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_THROWS_WITH(ModelConfig::from_json(R"({"dims": [32, 64, 128], "heads": [1, 3, 4]})"),
                     std::invalid_argument, "heads[1] = 3 does not divide dims[1] = 64");
  EXPECT_THROWS_WITH(ModelConfig::from_json(R"({"dimz": [1]})"), std::invalid_argument, "unknown key 'dimz'");
  EXPECT_THROWS_WITH(ModelConfig::from_json(R"({"scans": []})"), std::invalid_argument, "scans must not be empty");
  EXPECT_THROWS_WITH(ModelConfig::from_json("{\"dims\": [32, 64"), std::invalid_argument, "JSON");
}

TEST(head_grid_pools_the_final_map_to_cells_and_flattens_them_channel_major) {
  // Independent of LibTorch's adaptive pooling: cell i of a side of n covers [floor(i·n/g), ceil((i+1)·n/g)).
  auto cells = [](const at::Tensor& map, int64_t g) {
    const int64_t B = map.size(0), C = map.size(1), n = map.size(2);
    at::Tensor out = at::empty({B, C, g, g});
    for (int64_t i = 0; i < g; ++i) {
      const int64_t r0 = i * n / g, r1 = ((i + 1) * n + g - 1) / g;
      for (int64_t j = 0; j < g; ++j) {
        const int64_t c0 = j * n / g, c1 = ((j + 1) * n + g - 1) / g;
        out.select(2, i).select(2, j).copy_(map.slice(2, r0, r1).slice(3, c0, c1).mean({2, 3}));
      }
    }
    return out.flatten(1);
  };
  at::NoGradGuard no_grad;
  // Unequal cells (3 of a 7-wide map: adaptive pooling) and equal ones (7 of 7, 4 of 8: a plain mean).
  for (const auto& [size, g] : {std::pair<int64_t, int64_t>{28, 1}, {28, 3}, {28, 7}, {32, 4}}) {
    ModelConfig c = composite_28();
    c.input_size = size;
    c.head_grid = g;
    MerbaNet net = make(c);
    net->eval();
    const at::Tensor x = sample_input(c, 2);
    at::Tensor map = net->stem->forward(x);
    for (const auto& stage : *net->stages) map = stage->as<StageImpl>()->forward(map);
    map = net->norm->forward(map);
    EXPECT_SHAPE(map, {2, 128, size / 4, size / 4});
    const at::Tensor features = net->features(x);
    EXPECT_SHAPE(features, {2, 128 * g * g});
    EXPECT_CLOSE(features, cells(map, g), 1e-6, "g = " + std::to_string(g));
    EXPECT_SHAPE(net->head->coarse->weight, {3, 128 * g * g});
  }
  // The spec's network is described as before; a grid is written, read back, and bounded by the final map.
  EXPECT_TRUE(composite_28().to_json().find("head_grid") == std::string::npos);
  ModelConfig c = composite_28();
  c.head_grid = 7;
  EXPECT_EQ(ModelConfig::from_json(c.to_json()).head_grid, int64_t(7));
  EXPECT_THROWS_WITH(ModelConfig::from_json(R"({"head_grid": 8})"), std::invalid_argument, "head_grid = 8 must be in 1..7");
  EXPECT_THROWS_WITH(ModelConfig::from_json(R"({"head_grid": 5, "input_size": 14})"), std::invalid_argument,
                     "head_grid = 5 must be in 1..4");
}

TEST(every_invalid_config_case_is_refused_naming_its_field) {
  const auto cases = merba::test::invalid_cases(MERBA_TEST_DATA_DIR "/model-config/invalid");
  const int ran = merba::test::expect_all_refused(cases, {}, [](const std::string& json) { ModelConfig::from_json(json); });
  EXPECT_EQ(ran, static_cast<int>(cases.size()));
  EXPECT_TRUE(ran >= 25);
  // What JSON cannot carry: an infinite ratio (C++ accepted it before the shared bounds).
  ModelConfig c = composite_28();
  c.mlp_ratio = std::numeric_limits<double>::infinity();
  EXPECT_THROWS_WITH(c.validate(), std::invalid_argument, "mlp_ratio");
}

TEST(the_closed_form_parameter_count_is_the_built_networks) {
  std::vector<ModelConfig> configs{composite_28(), paper_224(), casme2_5(composite_28())};
  ModelConfig variant = casme2_5(paper_224());
  variant.scans = {ScanOrder::H_PLUS, ScanOrder::H_MINUS, ScanOrder::V_PLUS};
  variant.inter_window_attention = false;
  variant.d_conv = 5;
  variant.d_state = 16;
  variant.mlp_ratio = 2.5;
  configs.push_back(variant);
  ModelConfig flat = composite_28();
  flat.dgcm = DgcmMode::FLAT;
  flat.window_sizes = {14, 7, 7};
  configs.push_back(flat);
  ModelConfig grid = casme2_5(composite_28());
  grid.head_grid = 3;
  configs.push_back(grid);
  for (const ModelConfig& c : configs) {
    MerbaNet net(c);
    int64_t built = 0;
    for (const auto& p : net->parameters()) built += p.numel();
    EXPECT_EQ(c.parameter_count(), built);
  }
  EXPECT_EQ(composite_28().parameter_count(), int64_t(629587));
  EXPECT_TRUE(paper_224().activation_bytes_per_sample() < kMaxActivationBytes / 10);
}

TEST(summary_counts_every_parameter) {
  MerbaNet net = make(composite_28());
  int64_t total = 0;
  double flops = 0;
  for (const auto& m : module_costs(*net)) {
    total += m.parameters;
    flops += m.flops;
  }
  int64_t expected = 0;
  for (const auto& p : net->parameters()) expected += p.numel();
  EXPECT_EQ(total, expected);
  EXPECT_EQ(total, int64_t(629587));  // what the independent PyTorch implementation counts
  EXPECT_TRUE(flops > 1e7 && flops < 1e9);
}
