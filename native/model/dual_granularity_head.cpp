#include "model/dual_granularity_head.h"

#include <ATen/ATen.h>

#include "model/device_index.h"
#include "model/training_context.h"

namespace merba::model {
namespace {

// Members (fine class indices) of each coarse group.
std::vector<std::vector<int64_t>> group_members(const ModelConfig& c) {
  std::vector<std::vector<int64_t>> members(c.num_coarse);
  for (int64_t f = 0; f < c.num_fine(); ++f) members[c.fine_to_coarse[f]].push_back(f);
  return members;
}

// P(group) summed from fine probabilities: (B, K_fine) → (B, K_coarse).
at::Tensor group_sums(const at::Tensor& fine_probs, const ModelConfig& c) {
  at::Tensor sums = at::zeros({fine_probs.size(0), c.num_coarse}, fine_probs.options());
  return sums.index_add_(1, device_index(c.fine_to_coarse, fine_probs.device()), fine_probs);
}

}  // namespace

DualGranularityHeadImpl::DualGranularityHeadImpl(const ModelConfig& c, int64_t channels) {
  dropout_ = c.dropout;
  if (c.has_coarse_head()) coarse = register_module("coarse", torch::nn::Linear(channels, c.num_coarse));
  if (c.has_fine_head()) fine = register_module("fine", torch::nn::Linear(channels, c.num_fine()));
}

HeadOutput DualGranularityHeadImpl::forward(const at::Tensor& features) {
  const at::Tensor f = is_training() && dropout_ > 0
                           ? features * bernoulli_mask(features.sizes(), 1.0 - dropout_, features.options())
                           : features;
  HeadOutput out;
  if (coarse) out.coarse_logits = coarse(f);
  if (fine) out.fine_logits = fine(f);
  return out;
}

at::Tensor coarse_of_fine(const ModelConfig& c, const at::Device& device) {
  return device_index(c.fine_to_coarse, device);
}

at::Tensor log_softmax_within_groups(const at::Tensor& fine_logits, const ModelConfig& c) {
  at::Tensor result = at::empty_like(fine_logits);
  for (const auto& members : group_members(c)) {
    const at::Tensor idx = device_index(members, fine_logits.device());
    result = result.index_copy(1, idx, at::log_softmax(fine_logits.index_select(1, idx), 1));
  }
  return result;
}

DgcmPrediction dgcm_predict(const HeadOutput& logits, const ModelConfig& c) {
  DgcmPrediction p;
  const at::Tensor to_coarse = logits.fine_logits.defined()
                                   ? device_index(c.fine_to_coarse, logits.fine_logits.device())
                                   : device_index(c.fine_to_coarse, logits.coarse_logits.device());
  if (!logits.coarse_logits.defined()) {  // flat
    p.fine_probs = at::softmax(logits.fine_logits, 1);
    p.coarse_probs = group_sums(p.fine_probs, c);
    p.fine_index = p.fine_probs.argmax(1);
    p.coarse_index = to_coarse.index_select(0, p.fine_index);
    return p;
  }
  p.coarse_probs = at::softmax(logits.coarse_logits, 1);
  if (!logits.fine_logits.defined()) {  // fine = coarse: each group is one class
    p.fine_probs = p.coarse_probs.index_select(1, to_coarse);
    p.coarse_index = p.coarse_probs.argmax(1);
    // The fine class of each group: invert the one-to-one fine_to_coarse.
    std::vector<int64_t> fine_of_group(c.num_coarse);
    for (int64_t f = 0; f < c.num_fine(); ++f) fine_of_group[c.fine_to_coarse[f]] = f;
    p.fine_index = device_index(fine_of_group, to_coarse.device()).index_select(0, p.coarse_index);
    return p;
  }
  const at::Tensor within = log_softmax_within_groups(logits.fine_logits, c).exp();  // P(f | group)
  p.fine_probs = p.coarse_probs.index_select(1, to_coarse) * within;
  if (c.dgcm == DgcmMode::SOFT) {
    p.fine_index = p.fine_probs.argmax(1);
    p.coarse_index = to_coarse.index_select(0, p.fine_index);
  } else {
    p.coarse_index = p.coarse_probs.argmax(1);
    // Restrict to the chosen group: classes of other groups get −1, below any probability.
    const at::Tensor in_group = to_coarse.unsqueeze(0) == p.coarse_index.unsqueeze(1);  // (B, K_fine)
    p.fine_index = at::where(in_group, within, at::full_like(within, -1.0)).argmax(1);
  }
  return p;
}

DgcmPrediction dgcm_choose(const at::Tensor& coarse_probs, const at::Tensor& fine_probs, const ModelConfig& c) {
  TORCH_CHECK_VALUE(coarse_probs.dim() == 2 && coarse_probs.size(1) == c.num_coarse && fine_probs.dim() == 2 &&
                        fine_probs.size(1) == c.num_fine() && fine_probs.size(0) == coarse_probs.size(0),
                    "dgcm_choose: distributions of shape (B, ", c.num_coarse, ") and (B, ", c.num_fine(), ") expected, got ",
                    coarse_probs.sizes(), " and ", fine_probs.sizes());
  DgcmPrediction p;
  p.coarse_probs = coarse_probs;
  p.fine_probs = fine_probs;
  const at::Tensor to_coarse = device_index(c.fine_to_coarse, fine_probs.device());
  if (c.dgcm == DgcmMode::HARD) {
    p.coarse_index = coarse_probs.argmax(1);
    const at::Tensor in_group = to_coarse.unsqueeze(0) == p.coarse_index.unsqueeze(1);  // (B, K_fine)
    p.fine_index = at::where(in_group, fine_probs, at::full_like(fine_probs, -1.0)).argmax(1);
  } else {
    p.fine_index = fine_probs.argmax(1);
    p.coarse_index = to_coarse.index_select(0, p.fine_index);
  }
  return p;
}

void check_fine_targets(const at::Tensor& fine_targets, int64_t batch, const ModelConfig& c) {
  TORCH_CHECK_VALUE(fine_targets.defined() && fine_targets.dim() == 1 && fine_targets.size(0) == batch,
                    "targets must have shape (B) = (", batch, "), got ",
                    fine_targets.defined() ? fine_targets.sizes() : at::IntArrayRef{});
  TORCH_CHECK_VALUE(fine_targets.scalar_type() == at::kLong, "targets must be int64, got ", fine_targets.scalar_type());
  if (fine_targets.numel() > 0) {
    const int64_t lo = fine_targets.min().item<int64_t>(), hi = fine_targets.max().item<int64_t>();
    TORCH_CHECK_VALUE(lo >= 0 && hi < c.num_fine(), "targets must be fine class indices in 0..", c.num_fine() - 1,
                      ", got values in ", lo, "..", hi);
  }
}

}  // namespace merba::model
