// The DGCM training loss (spec §2) over target distributions, so that one definition serves hard labels,
// label smoothing, class weights and mixup.
#pragma once

#include <ATen/core/Tensor.h>

#include "model/dual_granularity_head.h"
#include "model/model_config.h"

namespace merba::model {

// What the loss compares the logits with, per sample.
//  coarse: (B, K_coarse), a distribution over the coarse groups;
//  fine:   (B, K_fine), the target mass of each fine class. With a coarse head, the sibling cross-entropy
//          compares the fine logits with it within each group: a hard label puts 1 on its class; label smoothing
//          spreads ε over the true group's classes only (other groups get 0, whatever their coarse share); mixup
//          blends two such targets. Without a coarse head (dgcm = flat), a distribution over all fine classes.
//  weight: (B) per-sample weights (class weights), or undefined for 1.
struct DgcmTargets {
  at::Tensor coarse;
  at::Tensor fine;
  at::Tensor weight;

  // The rows at `index` (B') of every part: e.g. the mixup partners, or a shard of the batch.
  DgcmTargets index_select(const at::Tensor& index) const;
  DgcmTargets narrow(int64_t start, int64_t length) const;
};

// Targets of fine class indices (B) int64, with label smoothing ε: a hard target becomes (1 − ε)·one-hot +
// ε spread evenly — over the groups for the coarse target, over the true group's classes for the fine target
// (over all fine classes for dgcm = flat). class_weights (K_fine), when defined, give each sample the weight of
// its class.
DgcmTargets dgcm_targets(const at::Tensor& fine_target, const ModelConfig& config, double label_smoothing = 0,
                         const at::Tensor& class_weights = {});

// Mixup of targets: the weighted mixture of `a` (share λ) and `b` (share 1 − λ), normalised so that
// Σ weight · loss(mixed) = λ·w_a·loss(a) + (1 − λ)·w_b·loss(b): cross-entropy is linear in its target.
DgcmTargets mix_targets(const DgcmTargets& a, const DgcmTargets& b, double lambda);

// loss = CE(coarse logits, coarse target) + λ · CE_siblings(fine logits, fine target), where CE_siblings
// weighs each fine class's log P(f | its group) by the class's target mass: for a hard label, the
// cross-entropy over the fine classes of the true group only — zero for a group with one class. flat: CE over
// fine classes; no fine head: the coarse CE alone. The batch mean is Σ w·loss / Σ w with the targets' weights.
at::Tensor dgcm_loss(const HeadOutput& logits, const DgcmTargets& targets, const ModelConfig& config,
                     double lambda = 1.0);

// The loss of hard fine-class targets (B) int64, optionally class-weighted: dgcm_loss over dgcm_targets.
at::Tensor dgcm_loss(const HeadOutput& logits, const at::Tensor& fine_target, const ModelConfig& config,
                     double lambda = 1.0, const at::Tensor& class_weights = {});

}  // namespace merba::model
