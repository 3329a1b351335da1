#include "model/model_summary.h"

#include "util/json.h"

namespace merba::model {
namespace {

double conv_flops(int64_t in, int64_t out, int64_t k, int64_t out_side, int64_t groups = 1) {
  return 2.0 * in / groups * out * k * k * out_side * out_side;
}

double linear_flops(int64_t tokens, int64_t in, int64_t out) { return 2.0 * tokens * in * out; }

double attention_flops(int64_t tokens, int64_t C) {
  return linear_flops(tokens, C, 3 * C) + 2.0 * 2.0 * tokens * tokens * C + linear_flops(tokens, C, C);
}

double stage_flops(const ModelConfig& c, int64_t i) {
  const int64_t C = c.dims[i], ws = c.window_sizes[i], side = c.stage_resolution(i);
  const int64_t padded = ((side + ws - 1) / ws) * ws;
  const int64_t tokens = padded * padded;  // all tokens of all windows
  const int64_t h = C / 2, R = (C + 15) / 16, N = c.d_state, hidden = c.mlp_hidden(C);
  const double mixer = linear_flops(tokens, C, C)                      // in_proj
                       + 2.0 * 2.0 * tokens * h * c.d_conv             // two depthwise convs
                       + linear_flops(tokens, h, R + 2 * N)            // x_proj
                       + linear_flops(tokens, R, h)                    // dt_proj
                       + 9.0 * tokens * h * N                          // selective scan
                       + linear_flops(tokens, C, C);                   // out_proj
  const double mlp = linear_flops(tokens, C, hidden) + linear_flops(tokens, hidden, C);
  double flops = c.depths[i] * (static_cast<double>(c.scans.size()) * mixer + mlp);
  if (c.inter_window_attention) {
    const int64_t n = c.num_windows(i) > 1 ? c.num_windows(i) : tokens;
    flops += attention_flops(n, C) + linear_flops(n, C, hidden) + linear_flops(n, hidden, C);
  }
  if (i + 1 < c.num_stages()) flops += conv_flops(C, c.dims[i + 1], 3, c.stage_resolution(i + 1));
  return flops;
}

int64_t count(const std::vector<at::Tensor>& tensors) {
  int64_t n = 0;
  for (const auto& t : tensors) n += t.numel();
  return n;
}

util::Json shape_list(const std::vector<std::pair<std::string, at::Tensor>>& items) {
  util::Json::Array list;
  for (const auto& [name, t] : items) {
    util::Json::Array shape;
    for (int64_t d : t.sizes()) shape.emplace_back(d);
    list.emplace_back(util::Json::Object{{"name", util::Json(name)}, {"shape", util::Json(std::move(shape))}});
  }
  return util::Json(std::move(list));
}

}  // namespace

std::vector<ModuleCost> module_costs(MerbaNetImpl& net) {
  const ModelConfig& c = net.config();
  std::vector<ModuleCost> costs;
  const int64_t s1 = (c.input_size + c.stem_strides[0] - 1) / c.stem_strides[0];
  costs.push_back({"stem", count(net.stem->parameters()),
                   conv_flops(c.in_channels, c.dims[0] / 2, 3, s1) + conv_flops(c.dims[0] / 2, c.dims[0], 3, c.stage_resolution(0))});
  for (int64_t i = 0; i < c.num_stages(); ++i) {
    costs.push_back({"stages." + std::to_string(i), count(net.stages[i]->parameters()), stage_flops(c, i)});
  }
  costs.push_back({"norm", count(net.norm->parameters()), 0.0});
  const int64_t C = c.head_features();
  double head = 0;
  if (c.has_coarse_head()) head += linear_flops(1, C, c.num_coarse);
  if (c.has_fine_head()) head += linear_flops(1, C, c.num_fine());
  costs.push_back({"head", count(net.head->parameters()), head});
  return costs;
}

std::string summary_json(MerbaNetImpl& net) {
  util::Json::Array modules;
  int64_t total = 0;
  double flops = 0;
  for (const ModuleCost& m : module_costs(net)) {
    total += m.parameters;
    flops += m.flops;
    modules.emplace_back(util::Json::Object{{"name", util::Json(m.name)},
                                            {"parameters", util::Json(m.parameters)},
                                            {"flops", util::Json(m.flops)}});
  }
  std::vector<std::pair<std::string, at::Tensor>> params, buffers;
  for (const auto& item : net.named_parameters()) params.emplace_back(item.key(), item.value());
  for (const auto& item : net.named_buffers()) buffers.emplace_back(item.key(), item.value());
  return util::Json(util::Json::Object{{"total_parameters", util::Json(total)},
                                       {"flops_per_sample", util::Json(flops)},
                                       {"modules", util::Json(std::move(modules))},
                                       {"parameters", shape_list(params)},
                                       {"buffers", shape_list(buffers)}})
      .dump();
}

}  // namespace merba::model
