#include "train/parameter_groups.h"

#include <set>

namespace merba::train {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ParameterGroups parameter_groups(model::MerbaNetImpl& net) {
  // Parameters owned by normalisation layers, found by module type rather than by name.
  std::set<std::string> norm_params;
  for (const auto& m : net.named_modules()) {
    const bool is_norm = m.value()->as<torch::nn::LayerNormImpl>() || m.value()->as<torch::nn::BatchNorm2dImpl>();
    if (!is_norm) continue;
    for (const auto& p : m.value()->named_parameters(/*recurse=*/false)) {
      norm_params.insert(m.key().empty() ? p.key() : m.key() + "." + p.key());
    }
  }
  ParameterGroups groups;
  for (const auto& p : net.named_parameters()) {
    const std::string& name = p.key();
    const bool no_decay = norm_params.count(name) || ends_with(name, ".bias") || ends_with(name, ".A_log") ||
                          ends_with(name, ".D") || ends_with(name, "pos_embed");
    (no_decay ? groups.no_decay_names : groups.decay_names).push_back(name);
    (no_decay ? groups.no_decay : groups.decay).push_back(p.value());
  }
  return groups;
}

}  // namespace merba::train
