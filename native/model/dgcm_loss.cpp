#include "model/dgcm_loss.h"

#include <ATen/ATen.h>

namespace merba::model {
namespace {

at::Tensor smoothed_one_hot(const at::Tensor& index, int64_t classes, double epsilon) {
  at::Tensor t = at::one_hot(index, classes).to(at::kFloat);
  return epsilon > 0 ? t * (1 - epsilon) + epsilon / static_cast<double>(classes) : t;
}

}  // namespace

DgcmTargets DgcmTargets::index_select(const at::Tensor& index) const {
  return {coarse.index_select(0, index), fine.index_select(0, index),
          weight.defined() ? weight.index_select(0, index) : at::Tensor()};
}

DgcmTargets DgcmTargets::narrow(int64_t start, int64_t length) const {
  return {coarse.narrow(0, start, length), fine.narrow(0, start, length),
          weight.defined() ? weight.narrow(0, start, length) : at::Tensor()};
}

DgcmTargets dgcm_targets(const at::Tensor& fine_target, const ModelConfig& c, double epsilon,
                         const at::Tensor& class_weights) {
  const at::Device device = fine_target.device();
  const at::Tensor to_coarse = coarse_of_fine(c, device);
  const at::Tensor coarse_target = to_coarse.index_select(0, fine_target);
  DgcmTargets t;
  t.coarse = smoothed_one_hot(coarse_target, c.num_coarse, epsilon);
  if (!c.has_coarse_head()) {
    t.fine = smoothed_one_hot(fine_target, c.num_fine(), epsilon);
  } else {
    // (1 − ε) on the label, ε spread evenly over the classes of its group (which then sum to 1).
    const at::Tensor same_group = (to_coarse.unsqueeze(0) == coarse_target.unsqueeze(1)).to(at::kFloat);  // (B, Kf)
    t.fine = at::one_hot(fine_target, c.num_fine()).to(at::kFloat);
    if (epsilon > 0) t.fine = t.fine * (1 - epsilon) + same_group * (epsilon / same_group.sum(1, true));
  }
  if (class_weights.defined()) t.weight = class_weights.to(device, at::kFloat).index_select(0, fine_target);
  return t;
}

DgcmTargets mix_targets(const DgcmTargets& a, const DgcmTargets& b, double lambda) {
  const at::Tensor wa = a.weight.defined() ? a.weight : at::ones({a.coarse.size(0)}, a.coarse.options());
  const at::Tensor wb = b.weight.defined() ? b.weight : at::ones({b.coarse.size(0)}, b.coarse.options());
  const at::Tensor share_a = lambda * wa, share_b = (1 - lambda) * wb, weight = share_a + share_b;
  auto mix = [&](const at::Tensor& x, const at::Tensor& y) {
    return (x * share_a.unsqueeze(1) + y * share_b.unsqueeze(1)) / weight.unsqueeze(1);
  };
  DgcmTargets t{mix(a.coarse, b.coarse), mix(a.fine, b.fine), weight};
  if (!a.weight.defined() && !b.weight.defined()) t.weight = at::Tensor();  // all ones: keep the plain mean
  return t;
}

at::Tensor dgcm_loss(const HeadOutput& logits, const DgcmTargets& t, const ModelConfig& c, double lambda) {
  at::Tensor per_sample;
  if (!logits.coarse_logits.defined()) {
    per_sample = -(t.fine.to(logits.fine_logits.dtype()) * at::log_softmax(logits.fine_logits, 1)).sum(1);
  } else {
    per_sample = -(t.coarse.to(logits.coarse_logits.dtype()) * at::log_softmax(logits.coarse_logits, 1)).sum(1);
    if (logits.fine_logits.defined()) {
      // A single-class group has log P(f | group) = 0, so its mass adds nothing.
      per_sample = per_sample - lambda * (t.fine.to(logits.fine_logits.dtype()) *
                                          log_softmax_within_groups(logits.fine_logits, c))
                                             .sum(1);
    }
  }
  if (!t.weight.defined()) return per_sample.mean();
  const at::Tensor w = t.weight.to(per_sample.device(), per_sample.scalar_type());
  return (per_sample * w).sum() / w.sum();
}

at::Tensor dgcm_loss(const HeadOutput& logits, const at::Tensor& fine_target, const ModelConfig& c, double lambda,
                     const at::Tensor& class_weights) {
  return dgcm_loss(logits, dgcm_targets(fine_target, c, 0.0, class_weights), c, lambda);
}

}  // namespace merba::model
