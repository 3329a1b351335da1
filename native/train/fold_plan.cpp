#include "train/fold_plan.h"

#include <ATen/ATen.h>

#include <set>
#include <stdexcept>

#include "checkpoint/checkpoint_error.h"
#include "checkpoint/safetensors_file.h"
#include "model/model_config.h"
#include "train/training_options.h"
#include "util/json.h"

namespace merba::train {
namespace {

constexpr const char* kFormat = "merba-fold-plan";
constexpr const char* kFormatVersion = "1";
constexpr size_t kMaxEnsembleSize = 64;  // TrainingConfig.MAX_ENSEMBLE_SIZE

[[noreturn]] void invalid_plan(const std::string& what) { throw std::invalid_argument("fold plan: " + what); }

void check_tensors(const at::Tensor& features, const at::Tensor& zero_levels, const at::Tensor& labels) {
  if (!features.defined() || features.dim() != 4 || features.scalar_type() != at::kFloat) {
    invalid_plan("features must be a (samples, channels, height, width) float32 tensor");
  }
  const int64_t samples = features.size(0);
  if (!labels.defined() || labels.dim() != 1 || labels.scalar_type() != at::kLong || labels.size(0) != samples) {
    invalid_plan("labels must be an int64 tensor of one label per sample (" + std::to_string(samples) + ")");
  }
  if (zero_levels.defined() && (zero_levels.dim() != 2 || zero_levels.scalar_type() != at::kFloat ||
                                zero_levels.size(0) != samples || zero_levels.size(1) != features.size(1))) {
    invalid_plan("zero_levels must be a (samples, channels) float32 tensor");
  }
}

std::vector<int64_t> indices(const util::Json& fold, const std::string& key, int64_t samples, const std::string& what) {
  std::vector<int64_t> out = util::int_list(fold, key);
  for (int64_t i : out) {
    if (i < 0 || i >= samples) invalid_plan(what + "." + key + " holds sample " + std::to_string(i) + ", outside [0, " +
                                       std::to_string(samples) + ")");
  }
  return out;
}

}  // namespace

FoldPlan FoldPlan::from_parts(const at::Tensor& features, const at::Tensor& zero_levels, const at::Tensor& labels,
                              const std::string& plan_json) {
  check_tensors(features, zero_levels, labels);
  FoldPlan plan;
  plan.features = features.contiguous();
  plan.zero_levels = zero_levels.defined() ? zero_levels.contiguous() : zero_levels;
  plan.labels = labels.contiguous();
  const util::Json doc = util::Json::parse(plan_json);
  util::reject_unknown_keys(doc, {"protocol", "model_spec", "epochs", "batch_size", "test_time_flip", "threads",
                                  "class_names", "folds"},
                            "fold plan");
  plan.protocol = doc.at("protocol").as_string("protocol");
  plan.model_spec = doc.at("model_spec").as_string("model_spec");
  const model::ModelConfig config = model::ModelConfig::from_json(plan.model_spec);  // validates it
  plan.epochs = doc.at("epochs").as_int("epochs");
  plan.batch_size = doc.at("batch_size").as_int("batch_size");
  plan.test_time_flip = doc.at("test_time_flip").as_bool("test_time_flip");
  util::read_optional(doc, "threads", plan.threads);
  if (plan.threads < 0) invalid_plan("threads must be >= 0 (0: not recorded)");
  if (plan.epochs < 1) invalid_plan("epochs must be >= 1");
  if (features.size(1) != config.in_channels || features.size(2) != config.input_size ||
      features.size(3) != config.input_size) {
    invalid_plan("features are " + std::to_string(features.size(1)) + "×" + std::to_string(features.size(2)) + "×" +
                 std::to_string(features.size(3)) + " per sample but the model takes " +
                 std::to_string(config.in_channels) + "×" + std::to_string(config.input_size) + "×" +
                 std::to_string(config.input_size));
  }
  if (plan.test_time_flip && zero_levels.defined()) {
    invalid_plan("test_time_flip needs centred inputs (the mirror image negates motion about 0), but the plan has "
                 "zero_levels");
  }
  if (plan.batch_size < 1) invalid_plan("batch_size must be >= 1");
  for (const util::Json& name : doc.at("class_names").as_array("class_names")) {
    plan.class_names.push_back(name.as_string("class_names[]"));
  }
  if (static_cast<int64_t>(plan.class_names.size()) != config.num_fine()) {
    invalid_plan("class_names has " + std::to_string(plan.class_names.size()) + " names but the model has " +
            std::to_string(config.num_fine()) + " classes");
  }
  const int64_t samples = features.size(0);
  const at::Tensor labels_cpu = plan.labels.cpu();
  if (samples > 0 && (labels_cpu.min().item<int64_t>() < 0 || labels_cpu.max().item<int64_t>() >= config.num_fine())) {
    invalid_plan("labels must lie in [0, " + std::to_string(config.num_fine()) + ")");
  }
  std::set<int64_t> tested, fold_indices;
  const util::Json::Array& folds = doc.at("folds").as_array("folds");
  if (folds.empty()) invalid_plan("there are no folds");
  for (size_t f = 0; f < folds.size(); ++f) {
    const util::Json& j = folds[f];
    const std::string what = "folds[" + std::to_string(f) + "]";
    util::reject_unknown_keys(j, {"index", "seed", "held_out", "train", "test", "options", "member_seeds"}, what);
    FoldSpec fold;
    fold.index = j.at("index").as_int(what + ".index");
    fold.seed = j.at("seed").as_int(what + ".seed");
    fold.held_out = j.at("held_out").as_string(what + ".held_out");
    fold.member_seeds = {fold.seed};
    util::read_optional(j, "member_seeds", fold.member_seeds);
    if (fold.member_seeds.empty() || fold.member_seeds.size() > kMaxEnsembleSize ||
        fold.member_seeds.front() != fold.seed) {
      invalid_plan(what + ".member_seeds must hold 1 to " + std::to_string(kMaxEnsembleSize) +
                   " seeds, the first being the fold's seed");
    }
    if (std::set<int64_t>(fold.member_seeds.begin(), fold.member_seeds.end()).size() != fold.member_seeds.size()) {
      invalid_plan(what + ".member_seeds repeats a seed (the member would be trained twice)");
    }
    fold.train = indices(j, "train", samples, what);
    fold.test = indices(j, "test", samples, what);
    if (fold.train.empty()) invalid_plan(what + " has no training samples");
    if (!fold_indices.insert(fold.index).second) invalid_plan("fold index " + std::to_string(fold.index) + " repeats");
    for (int64_t i : fold.test) {
      if (!tested.insert(i).second) invalid_plan("sample " + std::to_string(i) + " is tested in more than one fold");
    }
    const std::set<int64_t> test_rows(fold.test.begin(), fold.test.end());
    for (int64_t i : fold.train) {
      if (test_rows.count(i)) invalid_plan(what + " trains on sample " + std::to_string(i) + ", which it tests");
    }
    fold.options_json = j.at("options").as_string(what + ".options");
    const TrainingOptions options = TrainingOptions::from_json(fold.options_json);
    options.validate();
    if (!options.class_weights.empty() && static_cast<int64_t>(options.class_weights.size()) != config.num_fine()) {
      invalid_plan(what + ".options has " + std::to_string(options.class_weights.size()) +
                   " class weights but the model has " + std::to_string(config.num_fine()) + " classes");
    }
    plan.folds.push_back(std::move(fold));
  }
  return plan;
}

FoldPlan FoldPlan::read(const std::string& path) {
  checkpoint::SafetensorsFile file = checkpoint::SafetensorsFile::open(path);
  const auto& meta = file.metadata();
  const auto format = meta.find("format");
  if (format == meta.end() || format->second != kFormat) {
    throw checkpoint::CheckpointError(checkpoint::CheckpointErrorKind::NotMerba,
                                      path + ": not a fold plan (__metadata__.format is not '" + kFormat + "')");
  }
  const auto version = meta.find("format_version");
  if (version == meta.end() || version->second != kFormatVersion) {
    throw checkpoint::CheckpointError(checkpoint::CheckpointErrorKind::UnsupportedVersion,
                                      path + ": fold plan format_version must be " + kFormatVersion);
  }
  auto tensor = [&](const char* name) {
    const checkpoint::TensorEntry* entry = file.find(name);
    return entry ? file.read(*entry) : at::Tensor();
  };
  const auto plan = meta.find("plan");
  if (plan == meta.end()) invalid_plan(path + " has no plan in its metadata");
  return from_parts(tensor("features"), tensor("zero_levels"), tensor("labels"), plan->second);
}

void FoldPlan::write(const std::string& path, const at::Tensor& features, const at::Tensor& zero_levels,
                     const at::Tensor& labels, const std::string& plan_json) {
  from_parts(features, zero_levels, labels, plan_json);
  checkpoint::NamedTensors tensors{{"features", features}, {"labels", labels}};
  if (zero_levels.defined()) tensors.emplace_back("zero_levels", zero_levels);
  checkpoint::write_safetensors(path, tensors,
                                {{"format", kFormat}, {"format_version", kFormatVersion}, {"plan", plan_json}});
}

}  // namespace merba::train
