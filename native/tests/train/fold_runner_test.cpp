// The native fold loop (train/fold_runner.h) and its plan file (train/fold_plan.h): Java's shuffle reproduced,
// plans checked before anything runs, a round trip through the file, and folds run on several threads giving
// exactly what one thread gives. That a native fold equals the Java Trainer's fold is checked from Java
// (NativeFoldLoopTest), which plans the folds. An ensemble fold is its members, each run as a one-model fold,
// with the mean of their distributions.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "model/model_config.h"
#include "support/tensor_checks.h"
#include "train/fold_plan.h"
#include "train/fold_runner.h"
#include "train/java_splittable_random.h"
#include "util/json.h"

using namespace merba;
using train::FoldPlan;

namespace {

std::string small_spec() {
  model::ModelConfig c = model::composite_28();
  c.dims = {8, 16, 16};
  c.heads = {1, 1, 1};
  return c.to_json();
}

// Six samples of three classes, two folds of three test samples; mixup, EMA, class weights and flips on, so the
// folds draw from every generator the training step has.
std::string plan_json(int64_t epochs = 2, bool test_time_flip = true) {
  using util::Json;
  const std::string options = R"({"learning_rate": 0.001, "total_steps": )" + std::to_string(epochs * 2) +
                              R"(, "warmup_steps": 1, "ema_decay": 0.9, "mixup_alpha": 0.4, "class_weights": [1.0, 0.5, 2.0]})";
  auto fold = [&](int64_t index, std::vector<int64_t> train, std::vector<int64_t> test) {
    Json::Array tr, te;
    for (int64_t i : train) tr.emplace_back(i);
    for (int64_t i : test) te.emplace_back(i);
    return Json(Json::Object{{"index", Json(index)}, {"seed", Json(int64_t{-7} * 1000003 + index)},
                             {"held_out", Json("s" + std::to_string(index))}, {"train", Json(tr)}, {"test", Json(te)},
                             {"options", Json(options)}});
  };
  return Json(Json::Object{{"protocol", Json("cv-2")}, {"model_spec", Json(small_spec())}, {"epochs", Json(epochs)},
                           {"batch_size", Json(2)}, {"test_time_flip", Json(test_time_flip)},
                           {"class_names", Json(Json::Array{Json("negative"), Json("positive"), Json("surprise")})},
                           {"folds", Json(Json::Array{fold(0, {3, 4, 5}, {0, 1, 2}), fold(1, {0, 1, 2}, {3, 4, 5})})}})
      .dump();
}

struct Data {
  at::Tensor features = at::randn({6, 3, 28, 28}, at::TensorOptions().dtype(at::kFloat)) * 0.1;
  at::Tensor labels = at::tensor(std::vector<int64_t>{0, 1, 2, 0, 1, 2});
};

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("merba-fold-" + std::to_string(::getpid()) + "-" + name)).string();
}

}  // namespace

TEST(java_splittable_random_reproduces_java) {
  // From java.util.SplittableRandom (JDK 17) with the same seeds: nextInt(bound) for bounds of every kind
  // (1, powers of two, others, the int range), and the Trainer's Fisher–Yates permutation.
  train::JavaSplittableRandom r(int64_t{-7} * 1000003 + 3);
  const int32_t bounds[] = {1, 2, 3, 7, 8, 100, 1000000007, 2147483647, 1 << 30, 309};
  const int32_t expected[] = {0, 1, 0, 6, 5, 28, 548529495, 41898519, 280919210, 224,
                              0, 1, 0, 6, 2, 69, 614034929, 715987748, 982445025, 195};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r.next_int(bounds[i % 10]), expected[i]);
  train::JavaSplittableRandom q(42);
  EXPECT_TRUE((q.permutation(10) == std::vector<int64_t>{3, 4, 7, 0, 8, 5, 9, 2, 6, 1}));
}

TEST(a_bad_plan_is_refused_before_anything_runs) {
  const Data d;
  const std::string good = plan_json();
  auto refuse = [&](const std::string& json, const std::string& message) {
    EXPECT_THROWS_WITH(FoldPlan::from_parts(d.features, at::Tensor(), d.labels, json), std::invalid_argument, message);
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  refuse(replaced("\"test\":[0,1,2]", "\"test\":[0,1,6]"), "outside [0, 6)");
  refuse(replaced("\"test\":[3,4,5]", "\"test\":[2,4,5]"), "sample 2 is tested in more than one fold");
  refuse(replaced("\"epochs\":2", "\"epochs\":0"), "epochs must be >= 1");
  refuse(replaced("\"protocol\"", "\"protocoll\""), "unknown key 'protocoll'");
  refuse(replaced("\"train\":[3,4,5]", "\"train\":[0,4,5]"), "folds[0] trains on sample 0, which it tests");
  refuse(replaced("\"index\":1", "\"index\":0"), "fold index 0 repeats");
  refuse(replaced(R"(\"class_weights\": [1.0, 0.5, 2.0])", R"(\"class_weights\": [1.0, 0.5])"),
         "has 2 class weights but the model has 3 classes");
  const std::string first_seed = "\"seed\":" + std::to_string(int64_t{-7} * 1000003);
  refuse(replaced(first_seed, first_seed + ",\"member_seeds\":[5,6]"), "folds[0].member_seeds must hold 1 to 64 seeds");
  refuse(replaced(first_seed, first_seed + ",\"member_seeds\":[]"), "folds[0].member_seeds must hold 1 to 64 seeds");
  refuse(replaced(first_seed, first_seed + ",\"member_seeds\":[-7000021,5,5]"), "member_seeds repeats a seed");
  EXPECT_THROWS_WITH(FoldPlan::from_parts(d.features, at::Tensor(), d.labels.narrow(0, 0, 5), good),
                     std::invalid_argument, "one label per sample");
  EXPECT_THROWS_WITH(FoldPlan::from_parts(d.features.narrow(3, 0, 27), at::Tensor(), d.labels, good),
                     std::invalid_argument, "features are 3×28×27 per sample but the model takes 3×28×28");
  EXPECT_THROWS_WITH(FoldPlan::from_parts(d.features, at::zeros({6, 3}), d.labels, good), std::invalid_argument,
                     "test_time_flip needs centred inputs");
  EXPECT_THROWS_WITH(FoldPlan::from_parts(d.features, at::Tensor(), at::full({6}, 3, at::kLong), good),
                     std::invalid_argument, "labels must lie in [0, 3)");
}

TEST(a_plan_file_round_trips) {
  const Data d;
  const at::Tensor levels = at::rand({6, 3});
  const std::string path = temp_file("round-trip.safetensors");
  FoldPlan::write(path, d.features, levels, d.labels, plan_json(2, /*test_time_flip=*/false));
  const FoldPlan plan = FoldPlan::read(path);
  std::filesystem::remove(path);
  EXPECT_CLOSE(plan.features, d.features, 0.0, "features");
  EXPECT_CLOSE(plan.zero_levels, levels, 0.0, "zero levels");
  EXPECT_TRUE(plan.labels.equal(d.labels));
  EXPECT_EQ(plan.folds.size(), size_t(2));
  EXPECT_EQ(plan.folds[1].seed, int64_t{-7} * 1000003 + 1);
  EXPECT_TRUE((plan.folds[1].test == std::vector<int64_t>{3, 4, 5}));
  EXPECT_TRUE(!plan.test_time_flip);
}

TEST(folds_on_two_threads_equal_folds_one_by_one) {
  // Concurrent CPU folds need one intra-op thread each (FoldRunOptions::workers); with more, one at a time.
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  EXPECT_EQ(train::effective_workers(train::FoldRunOptions{.workers = 3}), 1);
  at::set_num_threads(1);
  EXPECT_EQ(train::effective_workers(train::FoldRunOptions{.workers = 3}), 3);
  at::manual_seed(3);
  const Data d;
  const FoldPlan plan = FoldPlan::from_parts(d.features, at::Tensor(), d.labels, plan_json(3));
  train::FoldRunOptions one, two;
  two.workers = 2;
  int done = 0;
  two.on_fold_done = [&](const train::FoldResult&) { ++done; };
  const auto a = train::run_folds(plan, one), b = train::run_folds(plan, two);
  EXPECT_EQ(done, 2);
  for (size_t f = 0; f < 2; ++f) {
    EXPECT_EQ(a[f].index, int64_t(f));
    EXPECT_TRUE(a[f].predicted == b[f].predicted && a[f].test == b[f].test);
    EXPECT_EQ(a[f].last_epoch_loss, b[f].last_epoch_loss);  // bit for bit
    EXPECT_TRUE(std::isfinite(a[f].last_epoch_loss) && a[f].last_epoch_loss > 0);
  }
  const train::PooledMetrics m = train::pooled_metrics(plan, a);
  EXPECT_EQ(m.samples, int64_t(6));
  const util::Json doc = util::Json::parse(train::results_json(plan, a));
  EXPECT_EQ(doc.at("folds").as_array("folds").size(), size_t(2));
  EXPECT_EQ(doc.at("uf1").as_double("uf1"), m.uf1);
  at::set_num_threads(threads);
}

TEST(pooled_metrics_on_a_hand_computed_case) {
  const Data d;  // labels 0 1 2 0 1 2
  const FoldPlan plan = FoldPlan::from_parts(d.features, at::Tensor(), d.labels, plan_json());
  train::FoldResult r;
  r.test = {0, 1, 2, 3, 4, 5};
  r.predicted = {0, 1, 1, 0, 2, 2};  // class 0: 2/2; class 1: 1 of 2, predicted twice; class 2: 1 of 2, twice
  const train::PooledMetrics m = train::pooled_metrics(plan, {r});
  EXPECT_TRUE(std::abs(m.accuracy - 4.0 / 6) < 1e-12);
  EXPECT_TRUE(std::abs(m.uar - (1.0 + 0.5 + 0.5) / 3) < 1e-12);
  EXPECT_TRUE(std::abs(m.uf1 - (1.0 + 0.5 + 0.5) / 3) < 1e-12);  // F1 = 2·1/(2 + 2) for classes 1 and 2
}

TEST(an_ensemble_fold_predicts_from_its_members_mean_distributions) {
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  at::manual_seed(5);
  const Data d;
  FoldPlan plan = FoldPlan::from_parts(d.features, at::Tensor(), d.labels, plan_json(2));
  const train::FoldSpec fold = plan.folds[0];
  const std::vector<int64_t> seeds{fold.seed, 11, 12};
  // Each member as a one-model fold of its own seed (the seed is the fold's only source of randomness).
  at::Tensor coarse = at::zeros({3, 3}, at::kDouble), fine = at::zeros({3, 3}, at::kDouble);
  double loss = 0;
  std::vector<std::vector<int64_t>> members;
  for (int64_t seed : seeds) {
    train::FoldSpec single = fold;
    single.seed = seed;
    single.member_seeds = {seed};
    const train::FoldResult r = train::run_fold(plan, single, c10::Device(c10::kCPU));
    EXPECT_TRUE(r.fine_probs.scalar_type() == at::kFloat && r.fine_probs.size(0) == 3);
    EXPECT_TRUE(r.fine_probs.argmax(1).equal(at::tensor(r.predicted)));
    coarse += r.coarse_probs.to(at::kDouble);
    fine += r.fine_probs.to(at::kDouble);
    loss += r.last_epoch_loss;
    members.push_back(r.predicted);
  }
  EXPECT_TRUE(members[0] != members[1] || members[1] != members[2]);  // the members differ, or nothing is averaged
  train::FoldSpec ensemble = fold;
  ensemble.member_seeds = seeds;
  const train::FoldResult e = train::run_fold(plan, ensemble, c10::Device(c10::kCPU));
  EXPECT_CLOSE(e.fine_probs, fine / 3, 0.0, "the mean of the members' distributions, summed in member order");
  EXPECT_CLOSE(e.coarse_probs, coarse / 3, 0.0, "coarse mean");
  EXPECT_TRUE(e.fine_probs.argmax(1).equal(at::tensor(e.predicted)));  // megc-3: fine = coarse
  EXPECT_EQ(e.last_epoch_loss, loss / 3);
  EXPECT_TRUE(e.test == fold.test);
  at::set_num_threads(threads);
}
