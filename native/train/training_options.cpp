#include "train/training_options.h"

#include <cmath>
#include <sstream>
#include <set>
#include <stdexcept>

#include "util/json.h"

namespace merba::train {
namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw std::invalid_argument("training options: " + message);
}

// "<message>, got <value>": the value as given, so that a typo shows itself.
template <typename T>
[[noreturn]] void invalid(const std::string& message, const T& value) {
  std::ostringstream text;
  text << message << ", got " << value;
  invalid(text.str());
}

}  // namespace

TrainingOptions TrainingOptions::from_json(const std::string& text) {
  const util::Json doc = util::Json::parse(text);
  static const std::set<std::string> known{
      "learning_rate", "min_learning_rate", "weight_decay", "beta1", "beta2", "eps", "warmup_steps",
      "total_steps", "grad_clip", "flip_probability", "max_translation", "erase_size", "sibling_weight", "class_weights",
      "label_smoothing", "mixup_alpha", "ema_decay", "sam_rho"};
  util::reject_unknown_keys(doc, known, "training options");
  TrainingOptions o;
  util::read_optional(doc, "learning_rate", o.learning_rate);
  util::read_optional(doc, "min_learning_rate", o.min_learning_rate);
  util::read_optional(doc, "weight_decay", o.weight_decay);
  util::read_optional(doc, "beta1", o.beta1);
  util::read_optional(doc, "beta2", o.beta2);
  util::read_optional(doc, "eps", o.eps);
  util::read_optional(doc, "warmup_steps", o.warmup_steps);
  util::read_optional(doc, "total_steps", o.total_steps);
  util::read_optional(doc, "grad_clip", o.grad_clip);
  util::read_optional(doc, "flip_probability", o.flip_probability);
  util::read_optional(doc, "max_translation", o.max_translation);
  util::read_optional(doc, "erase_size", o.erase_size);
  util::read_optional(doc, "sibling_weight", o.sibling_weight);
  util::read_optional(doc, "class_weights", o.class_weights);
  util::read_optional(doc, "label_smoothing", o.label_smoothing);
  util::read_optional(doc, "mixup_alpha", o.mixup_alpha);
  util::read_optional(doc, "ema_decay", o.ema_decay);
  util::read_optional(doc, "sam_rho", o.sam_rho);
  o.validate();
  return o;
}

void TrainingOptions::validate() const {
  // The bounds of docs/training-config.md, shared with the Java TrainingConfig through the cases in
  // test-data/training-config/invalid.
  if (!(learning_rate > 0 && learning_rate <= 1)) invalid("learning_rate must be in (0, 1]", learning_rate);
  if (!(min_learning_rate >= 0 && min_learning_rate <= learning_rate)) {
    invalid("min_learning_rate must be in [0, learning_rate]", min_learning_rate);
  }
  if (!(weight_decay >= 0 && weight_decay <= 1)) invalid("weight_decay must be in [0, 1]", weight_decay);
  if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
    invalid("beta1 and beta2 must be in [0, 1)", std::to_string(beta1) + " and " + std::to_string(beta2));
  }
  if (!(eps > 0 && std::isfinite(eps))) invalid("eps must be finite and > 0", eps);
  if (total_steps < 1) invalid("total_steps must be >= 1", total_steps);
  if (warmup_steps < 0 || warmup_steps > total_steps) invalid("warmup_steps must be in [0, total_steps]", warmup_steps);
  if (!std::isfinite(grad_clip)) invalid("grad_clip must be finite (<= 0 disables clipping)", grad_clip);
  if (!(flip_probability >= 0 && flip_probability <= 1)) {
    invalid("flip_probability must be in [0, 1]", flip_probability);
  }
  if (max_translation < 0 || max_translation > 64) invalid("max_translation must be in 0..64", max_translation);
  if (erase_size < 0 || erase_size > 64) invalid("erase_size must be in 0..64", erase_size);
  if (!(sibling_weight >= 0 && std::isfinite(sibling_weight))) {
    invalid("sibling_weight must be finite and >= 0", sibling_weight);
  }
  for (size_t i = 0; i < class_weights.size(); ++i) {
    if (!(class_weights[i] > 0 && std::isfinite(class_weights[i]))) {
      invalid("class_weights[" + std::to_string(i) + "] must be finite and > 0", class_weights[i]);
    }
  }
  if (!(label_smoothing >= 0 && label_smoothing < 1)) invalid("label_smoothing must be in [0, 1)", label_smoothing);
  if (!(mixup_alpha >= 0 && std::isfinite(mixup_alpha))) {
    invalid("mixup_alpha must be finite and >= 0 (0 disables mixup)", mixup_alpha);
  }
  if (!(ema_decay >= 0 && ema_decay < 1)) invalid("ema_decay must be in [0, 1) (0 disables the average)", ema_decay);
  if (!(sam_rho >= 0 && sam_rho <= 1)) invalid("sam_rho must be in [0, 1] (0 disables sharpness-aware steps)", sam_rho);
}

double learning_rate_at(const TrainingOptions& o, int64_t step) {
  const int64_t W = o.warmup_steps, T = o.total_steps;
  if (step < W) return o.learning_rate * static_cast<double>(step + 1) / static_cast<double>(W);
  if (step >= T) return o.min_learning_rate;
  const double progress = static_cast<double>(step - W) / static_cast<double>(std::max<int64_t>(1, T - W));
  return o.min_learning_rate + (o.learning_rate - o.min_learning_rate) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace merba::train
