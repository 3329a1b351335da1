#include "train/train_session.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>

#include "train/augmentation.h"
#include "train/parameter_groups.h"

namespace merba::train {

TrainSession::TrainSession(model::MerbaNet net, TrainingOptions options, uint64_t seed)
    : net_(std::move(net)), options_(std::move(options)), generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {
  options_.validate();
  const auto& config = net_->config();
  TORCH_CHECK_VALUE(options_.class_weights.empty() ||
                        static_cast<int64_t>(options_.class_weights.size()) == config.num_fine(),
                    "class_weights has ", options_.class_weights.size(), " entries but the label scheme has ",
                    config.num_fine(), " classes");
  if (!options_.class_weights.empty()) class_weights_ = at::tensor(options_.class_weights, at::kFloat);
  // Drop path draws from LibTorch's default generator: seed it too, so a run is reproducible from `seed`.
  at::manual_seed(seed);

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
}

TrainSession::~TrainSession() = default;

StepResult TrainSession::step(const at::Tensor& inputs, const at::Tensor& fine_targets) {
  const auto& config = net_->config();
  TORCH_CHECK_VALUE(fine_targets.dim() == 1 && fine_targets.size(0) == inputs.size(0),
                    "targets must have shape (B) = (", inputs.size(0), "), got ", fine_targets.sizes());
  TORCH_CHECK_VALUE(fine_targets.scalar_type() == at::kLong, "targets must be int64, got ", fine_targets.scalar_type());
  TORCH_CHECK_VALUE(fine_targets.numel() == 0 || (fine_targets.min().item<int64_t>() >= 0 &&
                                                  fine_targets.max().item<int64_t>() < config.num_fine()),
                    "targets must be fine class indices in 0..", config.num_fine() - 1);
  StepResult r;
  r.samples = inputs.size(0);
  r.learning_rate = learning_rate_at(options_, step_);
  for (auto& group : optimizer_->param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(r.learning_rate);
  }
  net_->train();
  const at::Tensor x = augment(inputs, options_, generator_);
  const at::Tensor targets = fine_targets.to(x.device());
  const model::HeadOutput out = net_->forward(x);
  const at::Tensor loss = model::dgcm_loss(out, targets, config, options_.sibling_weight, class_weights_);
  optimizer_->zero_grad();
  loss.backward();
  r.grad_norm = options_.grad_clip > 0
                    ? torch::nn::utils::clip_grad_norm_(parameters_, options_.grad_clip)
                    : torch::nn::utils::clip_grad_norm_(parameters_, std::numeric_limits<double>::infinity());
  optimizer_->step();
  ++step_;
  at::NoGradGuard no_grad;
  r.loss = loss.item<double>();
  model::HeadOutput detached{out.coarse_logits.defined() ? out.coarse_logits.detach() : at::Tensor(),
                             out.fine_logits.defined() ? out.fine_logits.detach() : at::Tensor()};
  r.correct = model::dgcm_predict(detached, config).fine_index.eq(targets).sum().item<int64_t>();
  return r;
}

}  // namespace merba::train
