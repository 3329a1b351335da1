#pragma once

#include "model/model_config.h"
#include "model/nn.h"

namespace merba::model {

struct HeadOutput {
  at::Tensor coarse_logits;  // (B, K_coarse); undefined without a coarse head (dgcm = flat)
  at::Tensor fine_logits;    // (B, K_fine); undefined without a fine head (fine = coarse)
};

// Per-sample predictions of the DGCM. Probabilities of fine classes are joint:
// P(fine f) = P(group of f) · P(f | its group), so they sum to 1 over all fine classes.
struct DgcmPrediction {
  at::Tensor coarse_probs;  // (B, K_coarse)
  at::Tensor fine_probs;    // (B, K_fine)
  at::Tensor coarse_index;  // (B) int64
  at::Tensor fine_index;    // (B) int64
};

// The Dual-Granularity Classification Module (spec §2): dropout, then head.coarse (K_coarse) and
// head.fine (K_fine) linear heads, each present or not as the config and label scheme decide.
class DualGranularityHeadImpl : public torch::nn::Module {
 public:
  DualGranularityHeadImpl(const ModelConfig& config, int64_t channels);
  HeadOutput forward(const at::Tensor& features);

  torch::nn::Linear coarse{nullptr}, fine{nullptr};

 private:
  double dropout_;
};
TORCH_MODULE(DualGranularityHead);

// Inference from logits:
//  hard: c* = argmax P(coarse), then the fine class of c* with the largest P(f | c*);
//  soft: the fine class with the largest joint P(fine), and its group;
//  flat: softmax over fine classes; a group's probability is the sum of its classes';
//  no fine head (fine = coarse): the fine class is the group's only class.
DgcmPrediction dgcm_predict(const HeadOutput& logits, const ModelConfig& config);

// The classes the head's rule picks from given distributions — an ensemble's mean (fold_runner.cpp):
//  hard: the group of largest P(coarse), then its fine class of largest joint P(fine) (the same order as
//        P(f | group) within one group);
//  soft, flat: the fine class of largest P(fine), and its group.
// Ties go to the lower index. The Java API's EnsemblePrediction applies the same rule; the returned
// probabilities are the ones given.
DgcmPrediction dgcm_choose(const at::Tensor& coarse_probs, const at::Tensor& fine_probs, const ModelConfig& config);

// Checks that `fine_targets` are (batch) int64 fine class indices of the config's label scheme; throws
// c10::ValueError naming what is wrong. Shared by every entry point that takes training targets.
void check_fine_targets(const at::Tensor& fine_targets, int64_t batch, const ModelConfig& config);

// The coarse group of each fine class, (K_fine) int64 on `device`.
at::Tensor coarse_of_fine(const ModelConfig& config, const at::Device& device);

// log P(f | group of f) for every fine class: a log-softmax within each coarse group.
at::Tensor log_softmax_within_groups(const at::Tensor& fine_logits, const ModelConfig& config);

}  // namespace merba::model
