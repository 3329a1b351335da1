// Saving and loading a MERba network as NAME.safetensors (spec §7). The model config, label scheme and
// training provenance are JSON strings the caller (the Java API) puts into the metadata.
#pragma once

#include <string>

#include "checkpoint/safetensors_file.h"

namespace torch::nn {
class Module;
}

namespace merba::checkpoint {

// Parameters, then buffers, under their module paths ("stages.0.blocks.0.mixers.1.A_log").
NamedTensors module_tensors(const torch::nn::Module& module);

void save_model(const std::string& path, const torch::nn::Module& module, const Metadata& metadata);

// The validated metadata of a model checkpoint (format and version checked).
Metadata read_model_metadata(const std::string& path);

// Loads parameters and buffers into `module` (see load_tensors). A head tensor whose number of classes
// differs from the module's is reported as LabelsMismatch: the label scheme in the metadata and the
// weights disagree.
void load_model(const std::string& path, torch::nn::Module& module, bool allow_unexpected);

}  // namespace merba::checkpoint
