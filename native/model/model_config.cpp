#include "model/model_config.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "model/mlp.h"
#include "util/json.h"

namespace merba::model {
namespace {

using util::Json;

[[noreturn]] void invalid(const std::string& message) { throw std::invalid_argument("model config: " + message); }

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

ScanOrder parse_scan(const std::string& token) {
  for (ScanOrder o : {ScanOrder::H_PLUS, ScanOrder::H_MINUS, ScanOrder::V_PLUS, ScanOrder::V_MINUS}) {
    if (token == to_string(o)) return o;
  }
  invalid("scans: unknown scan order '" + token + "' (expected h+, h-, v+ or v-)");
}

DgcmMode parse_dgcm(const std::string& token) {
  for (DgcmMode m : {DgcmMode::HARD, DgcmMode::SOFT, DgcmMode::FLAT}) {
    if (token == to_string(m)) return m;
  }
  invalid("dgcm: unknown mode '" + token + "' (expected hard, soft or flat)");
}

Json int_array(const std::vector<int64_t>& values) {
  Json::Array a;
  for (int64_t v : values) a.emplace_back(v);
  return Json(std::move(a));
}

}  // namespace

const char* to_string(ScanOrder order) {
  switch (order) {
    case ScanOrder::H_PLUS: return "h+";
    case ScanOrder::H_MINUS: return "h-";
    case ScanOrder::V_PLUS: return "v+";
    case ScanOrder::V_MINUS: return "v-";
  }
  return "?";
}

const char* to_string(DgcmMode mode) {
  switch (mode) {
    case DgcmMode::HARD: return "hard";
    case DgcmMode::SOFT: return "soft";
    case DgcmMode::FLAT: return "flat";
  }
  return "?";
}

ModelConfig ModelConfig::from_json(const std::string& text) {
  const Json doc = Json::parse(text);
  static const std::set<std::string> known{
      "in_channels", "input_size", "stem_strides", "dims", "depths", "window_sizes", "heads", "scans",
      "inter_window_attention", "dgcm", "mlp_ratio", "d_state", "d_conv", "dropout", "drop_path",
      "head_grid", "num_coarse", "fine_to_coarse"};
  util::reject_unknown_keys(doc, known, "model config");
  ModelConfig c;
  util::read_optional(doc, "in_channels", c.in_channels);
  util::read_optional(doc, "input_size", c.input_size);
  util::read_optional(doc, "stem_strides", c.stem_strides);
  util::read_optional(doc, "dims", c.dims);
  util::read_optional(doc, "depths", c.depths);
  util::read_optional(doc, "window_sizes", c.window_sizes);
  util::read_optional(doc, "heads", c.heads);
  if (doc.contains("scans")) {
    c.scans.clear();
    const auto& items = doc.at("scans").as_array("scans");
    for (size_t i = 0; i < items.size(); ++i) c.scans.push_back(parse_scan(items[i].as_string("scans[" + std::to_string(i) + "]")));
  }
  util::read_optional(doc, "inter_window_attention", c.inter_window_attention);
  if (doc.contains("dgcm")) c.dgcm = parse_dgcm(doc.at("dgcm").as_string("dgcm"));
  util::read_optional(doc, "mlp_ratio", c.mlp_ratio);
  util::read_optional(doc, "d_state", c.d_state);
  util::read_optional(doc, "d_conv", c.d_conv);
  util::read_optional(doc, "dropout", c.dropout);
  util::read_optional(doc, "drop_path", c.drop_path);
  util::read_optional(doc, "head_grid", c.head_grid);
  util::read_optional(doc, "num_coarse", c.num_coarse);
  util::read_optional(doc, "fine_to_coarse", c.fine_to_coarse);
  c.validate();
  return c;
}

std::string ModelConfig::to_json() const {
  Json::Array scan_tokens;
  for (ScanOrder o : scans) scan_tokens.emplace_back(to_string(o));
  Json::Object o{{"in_channels", Json(in_channels)},
                 {"input_size", Json(input_size)},
                 {"stem_strides", int_array(stem_strides)},
                 {"dims", int_array(dims)},
                 {"depths", int_array(depths)},
                 {"window_sizes", int_array(window_sizes)},
                 {"heads", int_array(heads)},
                 {"scans", Json(std::move(scan_tokens))},
                 {"inter_window_attention", Json(inter_window_attention)},
                 {"dgcm", Json(to_string(dgcm))},
                 {"mlp_ratio", Json(mlp_ratio)},
                 {"d_state", Json(d_state)},
                 {"d_conv", Json(d_conv)},
                 {"dropout", Json(dropout)},
                 {"drop_path", Json(drop_path)},
                 {"num_coarse", Json(num_coarse)},
                 {"fine_to_coarse", int_array(fine_to_coarse)}};
  // Only when set: the spec's network is described as before, and readers older than the key accept it.
  if (head_grid != 1) o.emplace("head_grid", Json(head_grid));
  return Json(std::move(o)).dump();
}

void ModelConfig::validate() const {
  auto in_range = [](const std::string& name, int64_t value, int64_t min, int64_t max) {
    if (value < min || value > max) {
      invalid(name + " = " + std::to_string(value) + " must be in " + std::to_string(min) + ".." + std::to_string(max));
    }
  };
  in_range("in_channels", in_channels, 1, kMaxInChannels);
  in_range("input_size", input_size, 1, kMaxInputSize);
  if (stem_strides.size() != 2) invalid("stem_strides must have 2 entries, got " + std::to_string(stem_strides.size()));
  for (size_t i = 0; i < 2; ++i) in_range("stem_strides[" + std::to_string(i) + "]", stem_strides[i], 1, kMaxStemStride);
  const size_t S = dims.size();
  if (S == 0) invalid("dims must not be empty");
  if (static_cast<int64_t>(S) > kMaxStages) {
    invalid("dims has " + std::to_string(S) + " stages, at most " + std::to_string(kMaxStages) + " are allowed");
  }
  for (const auto& [name, list] : {std::pair<const char*, const std::vector<int64_t>*>{"depths", &depths},
                                   {"window_sizes", &window_sizes}, {"heads", &heads}}) {
    if (list->size() != S) {
      invalid(std::string(name) + " has " + std::to_string(list->size()) + " entries but dims has " + std::to_string(S));
    }
  }
  for (size_t i = 0; i < S; ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    in_range("dims" + at, dims[i], 2, kMaxDim);
    if (dims[i] % 2 != 0) invalid("dims" + at + " = " + std::to_string(dims[i]) + " must be even");
    in_range("depths" + at, depths[i], 1, kMaxDepth);
    in_range("window_sizes" + at, window_sizes[i], 1, kMaxWindowSize);
    in_range("heads" + at, heads[i], 1, kMaxHeads);
    if (dims[i] % heads[i] != 0) {
      invalid("heads" + at + " = " + std::to_string(heads[i]) + " does not divide dims" + at + " = " + std::to_string(dims[i]));
    }
  }
  if (scans.empty()) invalid("scans must not be empty");
  if (std::set<ScanOrder>(scans.begin(), scans.end()).size() != scans.size()) invalid("scans must not repeat an order");
  if (!(mlp_ratio > 0 && mlp_ratio <= kMaxMlpRatio)) {
    invalid("mlp_ratio = " + std::to_string(mlp_ratio) + " must be in (0, " + std::to_string(kMaxMlpRatio) + "]");
  }
  in_range("d_state", d_state, 1, kMaxDState);
  in_range("d_conv", d_conv, 1, kMaxDConv);
  if (d_conv % 2 == 0) invalid("d_conv = " + std::to_string(d_conv) + " must be odd");
  if (!(dropout >= 0 && dropout < 1)) invalid("dropout must be in [0, 1)");
  if (!(drop_path >= 0 && drop_path < 1)) invalid("drop_path must be in [0, 1)");
  in_range("head_grid", head_grid, 1, stage_resolution(num_stages() - 1));
  in_range("num_coarse", num_coarse, 1, kMaxClasses);
  if (fine_to_coarse.size() < 2) invalid("fine_to_coarse needs at least 2 classes");
  if (static_cast<int64_t>(fine_to_coarse.size()) > kMaxClasses) {
    invalid("fine_to_coarse has " + std::to_string(fine_to_coarse.size()) + " classes, at most " +
            std::to_string(kMaxClasses) + " are allowed");
  }
  std::vector<int> used(num_coarse, 0);
  for (size_t f = 0; f < fine_to_coarse.size(); ++f) {
    const int64_t g = fine_to_coarse[f];
    if (g < 0 || g >= num_coarse) {
      invalid("fine_to_coarse[" + std::to_string(f) + "] = " + std::to_string(g) + " is not a group in 0.." +
              std::to_string(num_coarse - 1));
    }
    used[g] = 1;
  }
  for (int64_t g = 0; g < num_coarse; ++g) {
    if (!used[g]) invalid("coarse group " + std::to_string(g) + " has no fine class");
  }
  // With every field bounded, the closed forms below cannot overflow.
  if (parameter_count() > kMaxParameters) {
    invalid("the network would have " + std::to_string(parameter_count()) + " parameters, more than the " +
            std::to_string(kMaxParameters) + " allowed (dims, depths, mlp_ratio, head_grid)");
  }
  if (activation_bytes_per_sample() > kMaxActivationBytes) {
    invalid("one sample's activations would take about " + std::to_string(activation_bytes_per_sample() >> 20) +
            " MiB, more than the " + std::to_string(kMaxActivationBytes >> 20) +
            " MiB allowed (input_size, stem_strides, dims, window_sizes, mlp_ratio)");
  }
}

int64_t ModelConfig::parameter_count() const {
  auto linear = [](int64_t in, int64_t out, bool bias) { return in * out + (bias ? out : 0); };
  auto mlp = [&](int64_t C) { return linear(C, mlp_hidden(C), true) + linear(mlp_hidden(C), C, true); };
  const int64_t half = dims[0] / 2;
  int64_t n = in_channels * half * 9 + 2 * half + half * dims[0] * 9 + 2 * dims[0];  // stem convs and norms
  for (int64_t i = 0; i < num_stages(); ++i) {
    const int64_t C = dims[i], h = C / 2, R = (C + 15) / 16, N = d_state;
    const int64_t mixer = linear(C, C, false) + 2 * h * d_conv + linear(h, R + 2 * N, false) + linear(R, h, true) +
                          h * N + h + linear(C, C, false);
    const int64_t block = 4 * C + static_cast<int64_t>(scans.size()) * mixer + mlp(C);
    n += depths[i] * block;
    if (inter_window_attention) {
      n += 4 * C + linear(C, 3 * C, true) + linear(C, C, true) + mlp(C) + (num_windows(i) > 1 ? num_windows(i) * C : 0);
    }
    if (i + 1 < num_stages()) n += C * dims[i + 1] * 9;
  }
  const int64_t last = dims.back();
  n += 2 * last;
  if (has_coarse_head()) n += linear(head_features(), num_coarse, true);
  if (has_fine_head()) n += linear(head_features(), num_fine(), true);
  return n;
}

int64_t ModelConfig::activation_bytes_per_sample() const {
  // The stem's first output, then per stage its padded token grid times the widest per-token tensors (the MLP's
  // hidden layer, the mixers' projections and scan inputs): a generous bound, not a measurement.
  const int64_t stem = ceil_div(input_size, stem_strides[0]);
  int64_t largest = stem * stem * dims[0];
  for (int64_t i = 0; i < num_stages(); ++i) {
    const int64_t padded = ceil_div(stage_resolution(i), window_sizes[i]) * window_sizes[i];
    const int64_t per_token = static_cast<int64_t>(std::ceil(dims[i] * (mlp_ratio + 8)));
    largest = std::max(largest, padded * padded * per_token);
  }
  return 4 * largest;
}

bool ModelConfig::has_coarse_head() const { return dgcm != DgcmMode::FLAT; }

bool ModelConfig::has_fine_head() const { return dgcm == DgcmMode::FLAT || num_fine() > num_coarse; }

int64_t ModelConfig::stage_resolution(int64_t stage) const {
  int64_t side = ceil_div(ceil_div(input_size, stem_strides[0]), stem_strides[1]);
  for (int64_t i = 0; i < stage; ++i) side = ceil_div(side, 2);
  return side;
}

int64_t ModelConfig::num_windows(int64_t stage) const {
  const int64_t per_side = ceil_div(stage_resolution(stage), window_sizes[stage]);
  return per_side * per_side;
}

int64_t ModelConfig::head_features() const { return dims.back() * head_grid * head_grid; }

int64_t ModelConfig::mlp_hidden(int64_t channels) const { return model::mlp_hidden(channels, mlp_ratio); }

int64_t ModelConfig::total_blocks() const {
  int64_t total = 0;
  for (int64_t d : depths) total += d;
  return total;
}

ModelConfig composite_28() { return ModelConfig{}; }

ModelConfig paper_224() {
  ModelConfig c;
  c.input_size = 224;
  c.stem_strides = {2, 2};
  c.dims = {64, 128, 256, 512};
  c.depths = {1, 2, 4, 2};
  c.window_sizes = {7, 7, 7, 7};
  c.heads = {2, 4, 8, 16};
  return c;
}

}  // namespace merba::model
