#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/merba_net.h"

namespace merba::model {

struct ModuleCost {
  std::string name;      // top-level module path: stem, stages.i, norm, head
  int64_t parameters = 0;
  double flops = 0;      // per sample, forward; multiply-add = 2 FLOPs
};

// Parameters per top-level module and an analytic FLOP estimate of one forward pass of one sample:
// convolutions, linear layers, attention products and the selective scan (≈ 9 FLOPs per state update:
// exp, 2 multiply-adds, the C product, Δ·u), ignoring element-wise activations and normalisations.
std::vector<ModuleCost> module_costs(MerbaNetImpl& net);

// {"total_parameters", "flops_per_sample", "modules": [{name, parameters, flops}],
//  "parameters": [{name, shape}], "buffers": [{name, shape}]}
std::string summary_json(MerbaNetImpl& net);

}  // namespace merba::model
