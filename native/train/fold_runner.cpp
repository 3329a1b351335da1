#include "train/fold_runner.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "model/merba_net.h"
#include "model/predict.h"
#include "train/java_splittable_random.h"
#include "train/train_session.h"
#include "util/json.h"

namespace merba::train {
namespace {

at::Tensor rows_of(const at::Tensor& t, const std::vector<int64_t>& rows) {
  return t.defined() ? t.index_select(0, at::tensor(rows, at::kLong)) : t;
}

}  // namespace

int effective_workers(const FoldRunOptions& options) {
  return options.device.is_cpu() && at::get_num_threads() > 1 ? 1 : options.workers;
}

namespace {

// One model of a fold: what the Java EvaluationRunner trains for it and predicts its test samples with.
struct MemberResult {
  model::DgcmPrediction prediction;  // of the fold's test samples, on the CPU
  double last_epoch_loss = 0;
  int64_t graph_replays = 0;
};

MemberResult train_member(const FoldPlan& plan, const FoldSpec& fold, const model::ModelConfig& config, int64_t seed,
                          c10::Device device, bool cuda_graphs) {
  model::MerbaNet net(config);
  model::initialize(*net, static_cast<uint64_t>(seed));
  net->to(device);
  TrainSession session(net, TrainingOptions::from_json(fold.options_json), static_cast<uint64_t>(seed));
  if (cuda_graphs) session.use_cuda_graphs(true);

  // The Trainer's epochs: a batch of min(batch_size, n), the trailing partial batch included.
  const int64_t n = static_cast<int64_t>(fold.train.size());
  const int64_t batch = std::min(plan.batch_size, n);
  JavaSplittableRandom shuffle(seed);
  MemberResult result;
  net->train();
  for (int64_t epoch = 0; epoch < plan.epochs; ++epoch) {
    const std::vector<int64_t> order = shuffle.permutation(n);
    double loss_sum = 0;
    for (int64_t first = 0; first < n; first += batch) {
      std::vector<int64_t> rows;
      for (int64_t i = first; i < std::min(n, first + batch); ++i) rows.push_back(fold.train[order[i]]);
      const StepResult r =
          session.step(rows_of(plan.features, rows), rows_of(plan.labels, rows), rows_of(plan.zero_levels, rows));
      TORCH_CHECK(std::isfinite(r.loss) && std::isfinite(r.grad_norm), "fold ", fold.index, ": training diverged at epoch ",
                  epoch + 1, " (loss ", r.loss, ", gradient norm ", r.grad_norm, ")");
      loss_sum += r.loss * static_cast<double>(r.samples);
    }
    result.last_epoch_loss = loss_sum / static_cast<double>(n);
  }
  if (session.step_graph() != nullptr) result.graph_replays = session.step_graph()->replays();
  if (session.has_weight_average()) session.swap_weight_average();

  // Trainer.predict: eval mode, batches of the configured size.
  at::NoGradGuard no_grad;
  net->eval();
  std::vector<model::DgcmPrediction> batches;
  for (size_t first = 0; first < fold.test.size(); first += static_cast<size_t>(plan.batch_size)) {
    const std::vector<int64_t> rows(fold.test.begin() + static_cast<std::ptrdiff_t>(first),
                                    fold.test.begin() + static_cast<std::ptrdiff_t>(
                                                            std::min(fold.test.size(), first + plan.batch_size)));
    batches.push_back(model::predict(*net, rows_of(plan.features, rows).to(device), plan.test_time_flip));
  }
  auto cat = [&](at::Tensor model::DgcmPrediction::*field) {
    std::vector<at::Tensor> parts;
    for (const model::DgcmPrediction& b : batches) parts.push_back(b.*field);
    return at::cat(parts).cpu();
  };
  result.prediction.coarse_probs = cat(&model::DgcmPrediction::coarse_probs);
  result.prediction.fine_probs = cat(&model::DgcmPrediction::fine_probs);
  result.prediction.coarse_index = cat(&model::DgcmPrediction::coarse_index);
  result.prediction.fine_index = cat(&model::DgcmPrediction::fine_index);
  return result;
}

}  // namespace

FoldResult run_fold(const FoldPlan& plan, const FoldSpec& fold, c10::Device device, bool cuda_graphs) {
  const auto start = std::chrono::steady_clock::now();
  const model::ModelConfig config = model::ModelConfig::from_json(plan.model_spec);
  const std::vector<int64_t> seeds = fold.member_seeds.empty() ? std::vector<int64_t>{fold.seed} : fold.member_seeds;
  const size_t members = seeds.size();
  FoldResult result;
  result.index = fold.index;
  result.test = fold.test;
  // An ensemble's mean distributions, summed in member order in double precision as EnsemblePrediction.java does.
  at::Tensor coarse_sum, fine_sum;
  double loss_sum = 0;
  model::DgcmPrediction chosen;
  for (size_t m = 0; m < members; ++m) {
    MemberResult member = train_member(plan, fold, config, seeds[m], device, cuda_graphs);
    loss_sum += member.last_epoch_loss;
    result.graph_replays += member.graph_replays;
    if (members == 1) {
      chosen = std::move(member.prediction);  // bit for bit what the model's head chose
      break;
    }
    const at::Tensor coarse = member.prediction.coarse_probs.to(at::kDouble);
    const at::Tensor fine = member.prediction.fine_probs.to(at::kDouble);
    coarse_sum = m == 0 ? at::zeros_like(coarse).add_(coarse) : coarse_sum.add_(coarse);
    fine_sum = m == 0 ? at::zeros_like(fine).add_(fine) : fine_sum.add_(fine);
  }
  if (members > 1) {
    const double n = static_cast<double>(members);
    TORCH_CHECK(coarse_sum.isfinite().all().item<bool>() && fine_sum.isfinite().all().item<bool>(), "fold ",
                fold.index, ": a member's distributions are not finite: a diverged model cannot vote");
    chosen = model::dgcm_choose(coarse_sum.div(n), fine_sum.div(n), config);
  }
  result.coarse_probs = chosen.coarse_probs;
  result.fine_probs = chosen.fine_probs;
  const at::Tensor predicted = chosen.fine_index.contiguous();
  result.predicted.assign(predicted.const_data_ptr<int64_t>(), predicted.const_data_ptr<int64_t>() + predicted.numel());
  result.last_epoch_loss = loss_sum / static_cast<double>(members);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::vector<FoldResult> run_folds(const FoldPlan& plan, const FoldRunOptions& options) {
  TORCH_CHECK_VALUE(options.workers >= 1, "run_folds: workers must be >= 1, got ", options.workers);
  std::vector<FoldResult> results(plan.folds.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex mutex;
  auto work = [&] {
    // LibTorch's per-thread set-up of a new thread (its OpenMP thread count among others), before any op.
    at::init_num_threads();
    // A stream of the worker's own on an accelerator, so that concurrent folds overlap on the device.
    std::optional<c10::StreamGuard> stream;
    if (!options.device.is_cpu()) {
      stream.emplace(c10::impl::getDeviceGuardImpl(options.device.type())->getStreamFromGlobalPool(options.device));
    }
    for (size_t f = next++; f < plan.folds.size() && !failed; f = next++) {
      try {
        results[f] = run_fold(plan, plan.folds[f], options.device, options.cuda_graphs);
        const std::lock_guard<std::mutex> lock(mutex);
        if (options.on_fold_done) options.on_fold_done(results[f]);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  const int workers = static_cast<int>(std::min<size_t>(effective_workers(options), plan.folds.size()));
  if (workers == 1) {
    work();
  } else {
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) threads.emplace_back(work);
    for (std::thread& t : threads) t.join();
  }
  if (first_error) std::rethrow_exception(first_error);
  return results;
}

PooledMetrics pooled_metrics(const FoldPlan& plan, const std::vector<FoldResult>& results) {
  const int64_t k = static_cast<int64_t>(plan.class_names.size());
  std::vector<int64_t> confusion(static_cast<size_t>(k * k), 0);
  const at::Tensor labels = plan.labels.cpu();
  const int64_t* label = labels.const_data_ptr<int64_t>();
  PooledMetrics m;
  int64_t correct = 0;
  for (const FoldResult& r : results) {
    for (size_t i = 0; i < r.test.size(); ++i) {
      const int64_t truth = label[r.test[i]], guess = r.predicted[i];
      ++confusion[static_cast<size_t>(truth * k + guess)];
      correct += truth == guess ? 1 : 0;
      ++m.samples;
    }
  }
  if (m.samples == 0) return m;
  m.accuracy = static_cast<double>(correct) / static_cast<double>(m.samples);
  for (int64_t c = 0; c < k; ++c) {
    int64_t tp = confusion[static_cast<size_t>(c * k + c)], actual = 0, predicted = 0;
    for (int64_t j = 0; j < k; ++j) {
      actual += confusion[static_cast<size_t>(c * k + j)];
      predicted += confusion[static_cast<size_t>(j * k + c)];
    }
    // A class never predicted and never present counts as F1 = 0, recall = 0, as in the Java report.
    m.uf1 += actual + predicted == 0 ? 0.0 : 2.0 * static_cast<double>(tp) / static_cast<double>(actual + predicted);
    m.uar += actual == 0 ? 0.0 : static_cast<double>(tp) / static_cast<double>(actual);
  }
  m.uf1 /= static_cast<double>(k);
  m.uar /= static_cast<double>(k);
  return m;
}

std::string results_json(const FoldPlan& plan, const std::vector<FoldResult>& results, double wall_seconds) {
  using util::Json;
  Json::Array folds;
  for (const FoldResult& r : results) {
    Json::Array test, predicted;
    for (int64_t i : r.test) test.emplace_back(i);
    for (int64_t p : r.predicted) predicted.emplace_back(p);
    folds.emplace_back(Json::Object{{"index", Json(r.index)}, {"test", Json(test)}, {"predicted", Json(predicted)},
                                    {"last_epoch_loss", Json(r.last_epoch_loss)}, {"seconds", Json(r.seconds)}});
  }
  const PooledMetrics m = pooled_metrics(plan, results);
  return Json(Json::Object{{"folds", Json(folds)}, {"accuracy", Json(m.accuracy)}, {"uf1", Json(m.uf1)},
                           {"uar", Json(m.uar)}, {"samples", Json(m.samples)}, {"wall_seconds", Json(wall_seconds)}})
      .dump();
}

}  // namespace merba::train
