#include "train/train_session.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "checkpoint/checkpoint_error.h"
#include "distributed/process_group.h"
#include "model/dgcm_loss.h"
#include "model/training_context.h"

#include "train/adamw_step.h"
#include "train/augmentation.h"
#include "train/gradient_clipping.h"
#include "train/mixup.h"
#include "train/parameter_groups.h"
#include "train/sharpness_aware.h"

namespace merba::train {
namespace {

// A batch-sized tensor built on the CPU, on its way to the network's device: from pinned memory without
// blocking the host when that device is a GPU (the pinned block is not reused before the copy has run).
at::Tensor to_device(const at::Tensor& host, at::Device device) {
  if (device.is_cpu()) return host;
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

}  // namespace

TrainSession::TrainSession(model::MerbaNet net, TrainingOptions options, uint64_t seed,
                           std::shared_ptr<distributed::ProcessGroup> group)
    : net_(std::move(net)),
      options_(std::move(options)),
      generator_(at::make_generator<at::CPUGeneratorImpl>(seed)),
      group_(std::move(group)) {
  options_.validate();
  const auto& config = net_->config();
  TORCH_CHECK_VALUE(options_.class_weights.empty() ||
                        static_cast<int64_t>(options_.class_weights.size()) == config.num_fine(),
                    "class_weights has ", options_.class_weights.size(), " entries but the label scheme has ",
                    config.num_fine(), " classes");
  if (!options_.class_weights.empty()) class_weights_ = at::tensor(options_.class_weights, at::kFloat);

  ParameterGroups groups = parameter_groups(*net_);
  auto with_decay = [&](double decay) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(options_.learning_rate)
            .betas({options_.beta1, options_.beta2})
            .eps(options_.eps)
            .weight_decay(decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  param_groups.emplace_back(groups.decay, with_decay(options_.weight_decay));
  param_groups.emplace_back(groups.no_decay, with_decay(0.0));
  optimizer_ = std::make_unique<torch::optim::AdamW>(param_groups,
                                                     torch::optim::AdamWOptions(options_.learning_rate));
  parameters_ = net_->parameters();
  TORCH_CHECK_VALUE(!parameters_.empty(), "TrainSession: the network has no parameters to train");
  if (distributed()) {
    for (const auto& p : parameters_) {
      TORCH_CHECK_VALUE(p.is_cpu(), "data-parallel training runs on CPU tensors (c10d's Gloo backend); this network "
                        "is on ", p.device(), ". Train a CUDA network in one process.");
    }
    // Every rank starts from rank 0's weights, whatever it was initialised with.
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> tensors = parameters_;
    for (const auto& b : buffers_by_dtype()) tensors.push_back(b);
    group_->broadcast(tensors, 0);
  }
  if (options_.ema_decay > 0) ema_ = std::make_unique<WeightEma>(*net_, options_.ema_decay);
}

bool TrainSession::distributed() const { return group_ != nullptr && group_->world_size() > 1; }

std::vector<at::Tensor> TrainSession::buffers_by_dtype() const {
  // Floating buffers first, the counters after: one bucket each instead of one per BatchNorm layer.
  std::vector<at::Tensor> buffers = net_->buffers();
  std::stable_partition(buffers.begin(), buffers.end(), [](const at::Tensor& b) { return b.is_floating_point(); });
  return buffers;
}

void TrainSession::require_raw_weights(const char* what) const {
  TORCH_CHECK(!average_in_net_, "TrainSession::", what,
              ": the weight average is swapped into the network; swap it back first");
}

void TrainSession::swap_weight_average() {
  TORCH_CHECK(ema_ != nullptr, "TrainSession: this run keeps no weight average (ema_decay = 0)");
  ema_->swap();
  average_in_net_ = !average_in_net_;
}

TrainSession::~TrainSession() = default;

StepResult TrainSession::step(const at::Tensor& inputs, const at::Tensor& fine_targets,
                              const at::Tensor& zero_levels, BatchRows share) {
  require_raw_weights("step");
  net_->check_input(inputs);  // before the augmentation, so that a bad batch is named as such
  const auto& config = net_->config();
  model::check_fine_targets(fine_targets, inputs.size(0), config);
  StepResult r;
  r.samples = inputs.size(0);
  r.learning_rate = learning_rate_at(options_, step_);
  for (auto& group : optimizer_->param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(r.learning_rate);
  }
  TORCH_CHECK_VALUE(share.total == 0 || distributed(), "a batch share is for data-parallel steps");
  // Without the global batch's size the ranks would draw different amounts and their generators drift apart.
  TORCH_CHECK_VALUE(share.total > 0 || !distributed(), "a data-parallel step needs its share of the global batch");
  const int64_t global_batch = share.total == 0 ? inputs.size(0) : share.total;
  net_->train();
  // Batches are built on the CPU (Java arrays, decoded files): they follow the network to its device.
  const at::Device device = parameters_.front().device();
  // With a step graph the whole step runs on its stream: warm-up steps, capture and replays share one.
  const std::shared_ptr<void> graph_stream = graph_ ? graph_->stream_scope() : nullptr;
  at::Tensor x = to_device(augment(inputs, zero_levels, options_, generator_, share), device);
  // A single process draws everything from the session's generator. A rank draws what is per global batch from it,
  // alike on every rank, and what stays within its share from a generator of its own (see the class comment).
  at::Generator own = generator_;
  if (distributed()) {
    const at::Tensor rank_seeds = at::randint(0, std::numeric_limits<int64_t>::max(), {group_->world_size()},
                                              generator_, at::TensorOptions().dtype(at::kLong));
    own = at::make_generator<at::CPUGeneratorImpl>(rank_seeds[group_->rank()].item<int64_t>());
  }
  const at::Tensor targets = to_device(fine_targets, device);
  if (class_weights_.defined() && class_weights_.device() != device) class_weights_ = class_weights_.to(device);
  model::DgcmTargets soft = model::dgcm_targets(targets, config, options_.label_smoothing, class_weights_);
  // What a prediction counts as correct against: with mixup, the target of the larger share.
  at::Tensor counted = targets;
  if (options_.mixup_alpha > 0) {
    MixupDraw draw = draw_mixup(global_batch, options_.mixup_alpha, generator_);
    if (distributed()) {
      // Partners from this rank's share (the others' samples are not here); λ stays the global batch's.
      draw.permutation = at::randperm(x.size(0), own, at::TensorOptions().dtype(at::kLong));
    }
    const at::Tensor partners = to_device(draw.permutation, device);
    draw.permutation = partners;  // on the device already: mix_inputs' move is then no copy
    x = mix_inputs(x, draw);
    soft = model::mix_targets(soft, soft.index_select(partners), draw.lambda);
    if (draw.lambda < 0.5) counted = targets.index_select(0, partners);
  }
  const int64_t B = x.size(0);
  // Data parallelism inside the step: each thread runs forward and backward on its shard of the batch with
  // single-threaded ops, and autograd sums the shards' gradients into .grad (thread-safe, and with two
  // shards the sum is the same whichever finishes first). MERba's operations are small, so this keeps both
  // cores busy where per-op parallelism would leave one idle (matrix products, small kernels). BatchNorm
  // normalises each shard by its own statistics, as data-parallel training without SyncBatchNorm does.
  const int64_t shards =
      x.is_cpu() && !at::in_parallel_region() ? std::clamp<int64_t>(B / 8, 1, at::get_num_threads()) : 1;
  // The shards' losses are their shares of the batch mean. Across processes the mean needs every rank's weight:
  // the losses are weighted sums there, and the summed gradients are divided by the global weight below. One
  // shard in one process (always so on a GPU) is the whole batch mean already: no weight is read to the host.
  const bool whole_batch = shards == 1 && !distributed();
  const double local_weight =
      whole_batch ? 1.0 : soft.weight.defined() ? soft.weight.sum().item<double>() : static_cast<double>(B);
  const double total_weight = distributed() ? 1.0 : local_weight;
  // One seed per shard and step, drawn in order from the session's (or the rank's) generator: reproducible.
  const at::Tensor shard_seeds =
      at::randint(0, std::numeric_limits<int64_t>::max(), {shards}, own, at::TensorOptions().dtype(at::kLong));
  // Per shard, on the network's device; read once, at the end of the step.
  std::vector<at::Tensor> losses(shards), correct(shards);
  optimizer_->zero_grad();
  // Forward and backward of every shard, the gradients summed into .grad. `first` is the step's pass at the
  // weights themselves: it reports the loss and correct count and updates BatchNorm's running statistics. A
  // sharpness-aware step's second pass, at perturbed weights, does neither: it only leaves its gradients.
  auto run_pass = [&](bool first) {
    auto run_shard = [&](int64_t s) {
      const int64_t lo = B * s / shards, n = B * (s + 1) / shards - lo;
      // The same seed in both passes of a step: the second pass drops the same paths as the first.
      model::ShardContext context(at::make_generator<at::CPUGeneratorImpl>(shard_seeds[s].item<int64_t>()),
                                  /*update_batch_norm_statistics=*/first && s == 0);
      const model::DgcmTargets shard_targets = soft.narrow(lo, n);
      // The shard's share of the batch mean (or of the weighted mean).
      const double shard_weight = whole_batch                     ? 1.0
                                  : shard_targets.weight.defined() ? shard_targets.weight.sum().item<double>()
                                                                   : static_cast<double>(n);
      const double scale = whole_batch ? 1.0 : shard_weight / total_weight;
      const PassOutputs out = forward_backward(x.narrow(0, lo, n), shard_targets, counted.narrow(0, lo, n), scale);
      if (first) {
        losses[s] = out.loss;
        correct[s] = out.correct;
      }
    };
    if (shards == 1) {
      run_shard(0);
      return;
    }
    // oneDNN's convolution backward sizes its own OpenMP team from the global thread count and spins on a
    // barrier for threads that a nested region never starts: inside the shards it deadlocks. LibTorch's
    // native convolution is used there instead, for the duration of the pass.
    // NNPACK, the next choice, runs its own thread pool against the shards' threads: off as well.
    struct NativeConvolutions {
      bool mkldnn = at::globalContext().userEnabledMkldnn(), nnpack = at::globalContext().userEnabledNNPACK();
      NativeConvolutions() {
        at::globalContext().setUserEnabledMkldnn(false);
        at::globalContext().setUserEnabledNNPACK(false);
      }
      ~NativeConvolutions() {
        at::globalContext().setUserEnabledMkldnn(mkldnn);
        at::globalContext().setUserEnabledNNPACK(nnpack);
      }
    } native_convolutions;
    at::parallel_for(0, shards, 1, [&](int64_t begin, int64_t end) {
      for (int64_t s = begin; s < end; ++s) run_shard(s);
    });
  };
  if (graph_) {
    // One shard, the whole batch: what a GPU step always is. The graph draws the masks from the shard's generator,
    // in the order an eager pass would.
    const at::Generator masks = at::make_generator<at::CPUGeneratorImpl>(shard_seeds[0].item<int64_t>());
    const PassOutputs out = graph_->run(PassInputs{x, soft, counted}, masks,
                                        [&](const PassInputs& in, const model::MaskSource& source) {
                                          model::ShardContext context(masks, /*update_batch_norm_statistics=*/true,
                                                                      source);
                                          return forward_backward(in.inputs, in.targets, in.counted, 1.0);
                                        });
    losses[0] = out.loss;
    correct[0] = out.correct;
  } else {
    run_pass(/*first=*/true);
  }
  if (device.is_cpu()) {
    // In shard order, as doubles: what the data-parallel reduction and the reports add up.
    for (int64_t s = 0; s < shards; ++s) {
      r.loss += losses[s].item<double>();
      r.correct += correct[s].item<int64_t>();
    }
  }
  const double global_weight = distributed() ? reduce_over_ranks(r, local_weight) : 1.0;
  if (options_.sam_rho > 0) {
    // The gradient the update uses is the one at w + ρ·g/‖g‖ (train/sharpness_aware.h). The step reports the loss
    // and accuracy at w, and the norm of the gradient it clips and applies.
    SharpnessPerturbation perturbation(parameters_, options_.sam_rho);
    optimizer_->zero_grad();
    run_pass(/*first=*/false);
    if (distributed()) reduce_gradients_over_ranks(global_weight);
    perturbation.restore();
  }
  const at::Tensor grad_norm = clip_gradient_norm_(
      parameters_, options_.grad_clip > 0 ? options_.grad_clip : std::numeric_limits<double>::infinity());
  if (device.is_cpu()) {
    adamw_step(*optimizer_);
  } else {
    fused_adamw_.step(*optimizer_);
  }
  if (ema_) ema_->update();
  ++step_;
  if (device.is_cpu()) {
    r.grad_norm = grad_norm.item<double>();
  } else {
    // A GPU step's one read to the host, after the whole step is queued: loss, correct count, gradient norm.
    const at::Tensor totals = at::stack({losses.front().to(at::kDouble), correct.front().to(at::kDouble),
                                         grad_norm.to(at::kDouble)}).cpu();
    const auto t = totals.accessor<double, 1>();
    r.loss = t[0];
    r.correct = static_cast<int64_t>(t[1]);
    r.grad_norm = t[2];
  }
  return r;
}

PassOutputs TrainSession::forward_backward(const at::Tensor& x, const model::DgcmTargets& targets,
                                           const at::Tensor& counted, double scale) {
  const auto& config = net_->config();
  const model::HeadOutput out = net_->forward(x);
  at::Tensor loss = model::dgcm_loss(out, targets, config, options_.sibling_weight);
  if (scale != 1.0) loss = loss * scale;
  loss.backward();
  at::NoGradGuard no_grad;
  const model::HeadOutput detached{out.coarse_logits.defined() ? out.coarse_logits.detach() : at::Tensor(),
                                   out.fine_logits.defined() ? out.fine_logits.detach() : at::Tensor()};
  return PassOutputs{loss.detach(), model::dgcm_predict(detached, config).fine_index.eq(counted).sum()};
}

void TrainSession::use_cuda_graphs(bool on) {
  if (!on) {
    graph_.reset();
    return;
  }
  TORCH_CHECK_VALUE(parameters_.front().is_cuda(), "CUDA graphs of the training step need the network on a GPU; ",
                    "it is on ", parameters_.front().device());
  // A sharpness-aware step runs two passes at different weights, one of them without BatchNorm's updates: not the
  // one pass the graph holds.
  TORCH_CHECK_VALUE(options_.sam_rho == 0, "CUDA graphs of the training step do not support sharpness-aware steps ",
                    "(sam_rho = ", options_.sam_rho, "); set sam_rho to 0 or train without graphs");
  if (!graph_) graph_ = make_step_graph(parameters_, net_->buffers());
}

std::vector<at::Tensor> TrainSession::gradients_for_reduction() {
  std::vector<at::Tensor> grads;
  for (auto& p : parameters_) {
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    grads.push_back(p.grad());
  }
  return grads;
}

void TrainSession::reduce_gradients_over_ranks(double global_weight) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads = gradients_for_reduction();
  group_->all_reduce_sum(grads);
  for (auto& g : grads) g.div_(global_weight);
}

double TrainSession::reduce_over_ranks(StepResult& r, double local_weight) {
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors = gradients_for_reduction();
  const at::Tensor totals = at::tensor({local_weight, r.loss, static_cast<double>(r.correct),
                                        static_cast<double>(r.samples)}, at::kDouble);
  tensors.push_back(totals);  // a bucket of its own (another dtype): one call
  group_->all_reduce_sum(tensors);
  const auto t = totals.accessor<double, 1>();
  const double global_weight = t[0];
  for (auto& p : parameters_) p.grad().div_(global_weight);
  r.loss = t[1] / global_weight;
  r.correct = static_cast<int64_t>(t[2]);
  r.samples = static_cast<int64_t>(t[3]);
  // BatchNorm's running statistics as rank 0 updated them (its first shard's, as in one process).
  group_->broadcast(buffers_by_dtype(), 0);
  return global_weight;
}

namespace {
constexpr const char* kModelPrefix = "model.";
}  // namespace

checkpoint::NamedTensors TrainSession::state() const {
  require_raw_weights("state");
  checkpoint::NamedTensors out;
  for (const auto& p : net_->named_parameters()) out.emplace_back(kModelPrefix + p.key(), p.value());
  for (const auto& b : net_->named_buffers()) out.emplace_back(kModelPrefix + b.key(), b.value());
  const auto& moments = optimizer_->state();
  for (const auto& p : net_->named_parameters()) {
    const auto it = moments.find(p.value().unsafeGetTensorImpl());
    if (it == moments.end()) {
      // Never stepped (no gradient yet): zero moments and step 0 restore to "no state".
      out.emplace_back("adamw.exp_avg." + p.key(), at::zeros_like(p.value()));
      out.emplace_back("adamw.exp_avg_sq." + p.key(), at::zeros_like(p.value()));
      out.emplace_back("adamw.step." + p.key(), at::zeros({}, at::kLong));
      continue;
    }
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    out.emplace_back("adamw.exp_avg." + p.key(), s.exp_avg());
    out.emplace_back("adamw.exp_avg_sq." + p.key(), s.exp_avg_sq());
    out.emplace_back("adamw.step." + p.key(), at::scalar_tensor(s.step(), at::kLong));
  }
  out.emplace_back("session.step", at::scalar_tensor(step_, at::kLong));
  out.emplace_back("session.generator", generator_.get_state());
  if (ema_) {
    for (auto& entry : ema_->state()) out.push_back(std::move(entry));
  }
  return out;
}

checkpoint::NamedTensors TrainSession::state_template() const {
  checkpoint::NamedTensors out;
  for (const auto& p : net_->named_parameters()) {
    out.emplace_back(kModelPrefix + p.key(), at::empty_like(p.value(), at::MemoryFormat::Contiguous));
  }
  for (const auto& b : net_->named_buffers()) {
    out.emplace_back(kModelPrefix + b.key(), at::empty_like(b.value(), at::MemoryFormat::Contiguous));
  }
  for (const auto& p : net_->named_parameters()) {
    out.emplace_back("adamw.exp_avg." + p.key(), at::empty_like(p.value(), at::MemoryFormat::Contiguous));
    out.emplace_back("adamw.exp_avg_sq." + p.key(), at::empty_like(p.value(), at::MemoryFormat::Contiguous));
    out.emplace_back("adamw.step." + p.key(), at::empty({}, at::kLong));
  }
  out.emplace_back("session.step", at::empty({}, at::kLong));
  out.emplace_back("session.generator", at::empty_like(generator_.get_state()));
  if (ema_) {
    for (auto& entry : ema_->state_template()) out.push_back(std::move(entry));
  }
  return out;
}

void TrainSession::restore_state(const checkpoint::NamedTensors& state) {
  require_raw_weights("restore_state");
  // The counters first, so that a forged or damaged state changes nothing.
  const int64_t saved_step = checkpoint::tensor_named(state, "session.step").item<int64_t>();
  TORCH_CHECK_VALUE(saved_step >= 0, "training state: session.step = ", saved_step, " must be >= 0");
  if (ema_) {
    const int64_t updates = checkpoint::tensor_named(state, "ema.updates").item<int64_t>();
    TORCH_CHECK_VALUE(updates == saved_step, "training state: ema.updates = ", updates, " differs from session.step = ",
                      saved_step, " (both count the optimiser steps)");
  }
  {
    at::NoGradGuard no_grad;
    for (const auto& p : net_->named_parameters()) p.value().copy_(checkpoint::tensor_named(state, kModelPrefix + p.key()));
    for (const auto& b : net_->named_buffers()) b.value().copy_(checkpoint::tensor_named(state, kModelPrefix + b.key()));
  }
  auto& moments = optimizer_->state();
  for (const auto& p : net_->named_parameters()) {
    const int64_t step = checkpoint::tensor_named(state, "adamw.step." + p.key()).item<int64_t>();
    void* key = p.value().unsafeGetTensorImpl();
    if (step == 0) {
      moments.erase(key);
      continue;
    }
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->step(step);
    s->exp_avg(checkpoint::tensor_named(state, "adamw.exp_avg." + p.key()).to(p.value().device()).clone());
    s->exp_avg_sq(checkpoint::tensor_named(state, "adamw.exp_avg_sq." + p.key()).to(p.value().device()).clone());
    moments[key] = std::move(s);
  }
  step_ = saved_step;
  generator_.set_state(checkpoint::tensor_named(state, "session.generator"));
  if (ema_) ema_->restore(state);
  if (distributed()) require_same_state_on_every_rank();
}

void TrainSession::require_same_state_on_every_rank() {
  // Each rank reads its own copy of the state file (a file system need not be shared); from here on only gradients
  // and buffers are exchanged, so copies of different runs or epochs would train apart unnoticed. The fingerprint
  // sums the bits of every state tensor as integers: exact, and the same whatever the order of the sums.
  at::NoGradGuard no_grad;
  uint64_t fingerprint = 0;  // unsigned: the sums may wrap
  auto add = [&](const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    const at::Tensor bits = c.element_size() == 8 ? c.view(at::kLong) : c.element_size() == 4 ? c.view(at::kInt)
                                                                                               : c.to(at::kLong);
    fingerprint = fingerprint * 31 + static_cast<uint64_t>(bits.sum(at::kLong).item<int64_t>()) +
                  static_cast<uint64_t>(c.numel());
  };
  for (const auto& [name, tensor] : state()) add(tensor);
  at::Tensor mine = at::full({1}, static_cast<int64_t>(fingerprint), at::kLong), rank0 = mine.clone();
  group_->broadcast({rank0}, 0);
  at::Tensor differing = at::full({1}, at::equal(rank0, mine) ? 0.0 : 1.0, at::kDouble);
  group_->all_reduce_sum({differing});
  if (differing.item<double>() > 0) {
    throw checkpoint::CheckpointError(
        checkpoint::CheckpointErrorKind::StateMismatch,
        "rank " + std::to_string(group_->rank()) + ": " + std::to_string(static_cast<int64_t>(differing.item<double>())) +
            " rank(s) resumed from a training state other than rank 0's (weights, moments, weight average, step or "
            "generator differ): every rank must resume from a copy of the same file");
  }
}

}  // namespace merba::train
