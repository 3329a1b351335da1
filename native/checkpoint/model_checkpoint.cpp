#include "checkpoint/model_checkpoint.h"

#include <torch/nn/module.h>

#include <algorithm>

#include "checkpoint/checkpoint.h"
#include "checkpoint/checkpoint_error.h"

namespace merba::checkpoint {

NamedTensors module_tensors(const torch::nn::Module& module) {
  NamedTensors tensors;
  for (const auto& p : module.named_parameters()) tensors.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers()) tensors.emplace_back(b.key(), b.value());
  return tensors;
}

void save_model(const std::string& path, const torch::nn::Module& module, const Metadata& metadata) {
  write_checkpoint(path, kModelFormat, module_tensors(module), metadata);
}

Metadata read_model_metadata(const std::string& path) { return open_checkpoint(path, kModelFormat).metadata(); }

void load_model(const std::string& path, torch::nn::Module& module, bool allow_unexpected) {
  SafetensorsFile file = open_checkpoint(path, kModelFormat);
  const NamedTensors destinations = module_tensors(module);
  for (const auto& [name, destination] : destinations) {
    const TensorEntry* entry = file.find(name);
    const bool head = name.rfind("head.", 0) == 0;
    // Only a head that is right but for its number of rows says "another label scheme"; anything else about
    // it (dtype, rank, other dimensions) is load_tensors' wrong dtype or shape.
    const bool only_rows_differ = entry != nullptr && entry->dtype == destination.scalar_type() &&
                                  static_cast<int64_t>(entry->shape.size()) == destination.dim() &&
                                  destination.dim() > 0 && entry->shape[0] != destination.size(0) &&
                                  std::equal(entry->shape.begin() + 1, entry->shape.end(), destination.sizes().begin() + 1);
    if (head && only_rows_differ) {
      throw CheckpointError(CheckpointErrorKind::LabelsMismatch,
                            path + ": '" + name + "' has " + std::to_string(entry->shape[0]) +
                                " classes in the weights but the label scheme gives it " +
                                std::to_string(destination.size(0)));
    }
  }
  load_tensors(file, destinations, allow_unexpected);
}

}  // namespace merba::checkpoint
