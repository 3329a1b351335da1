#pragma once

#include <string>
#include <vector>

#include "model/merba_net.h"

namespace merba::train {

// AdamW's two parameter groups (spec §5): weight decay on weights of convolutions and linear layers; none on
// A_log, D, biases, normalisation parameters and pos_embed.
struct ParameterGroups {
  std::vector<std::string> decay_names, no_decay_names;
  std::vector<at::Tensor> decay, no_decay;
};

ParameterGroups parameter_groups(model::MerbaNetImpl& net);

}  // namespace merba::train
