#include "model/model_config.h"

#include <cmath>
#include <set>
#include <stdexcept>

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
      "num_coarse", "fine_to_coarse"};
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
  return Json(std::move(o)).dump();
}

void ModelConfig::validate() const {
  auto at_least = [](const char* name, int64_t value, int64_t min) {
    if (value < min) invalid(std::string(name) + " = " + std::to_string(value) + " must be >= " + std::to_string(min));
  };
  at_least("in_channels", in_channels, 1);
  at_least("input_size", input_size, 1);
  if (stem_strides.size() != 2) invalid("stem_strides must have 2 entries, got " + std::to_string(stem_strides.size()));
  for (size_t i = 0; i < 2; ++i) at_least(("stem_strides[" + std::to_string(i) + "]").c_str(), stem_strides[i], 1);
  const size_t S = dims.size();
  if (S == 0) invalid("dims must not be empty");
  for (const auto& [name, list] : {std::pair<const char*, const std::vector<int64_t>*>{"depths", &depths},
                                   {"window_sizes", &window_sizes}, {"heads", &heads}}) {
    if (list->size() != S) {
      invalid(std::string(name) + " has " + std::to_string(list->size()) + " entries but dims has " + std::to_string(S));
    }
  }
  for (size_t i = 0; i < S; ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    at_least(("dims" + at).c_str(), dims[i], 2);
    if (dims[i] % 2 != 0) invalid("dims" + at + " = " + std::to_string(dims[i]) + " must be even");
    at_least(("depths" + at).c_str(), depths[i], 1);
    at_least(("window_sizes" + at).c_str(), window_sizes[i], 1);
    at_least(("heads" + at).c_str(), heads[i], 1);
    if (dims[i] % heads[i] != 0) {
      invalid("heads" + at + " = " + std::to_string(heads[i]) + " does not divide dims" + at + " = " + std::to_string(dims[i]));
    }
  }
  if (scans.empty()) invalid("scans must not be empty");
  if (std::set<ScanOrder>(scans.begin(), scans.end()).size() != scans.size()) invalid("scans must not repeat an order");
  if (!(mlp_ratio > 0)) invalid("mlp_ratio must be > 0");
  if (d_state < 1 || d_state > 256) invalid("d_state = " + std::to_string(d_state) + " must be in 1..256");
  if (d_conv < 1 || d_conv % 2 == 0) invalid("d_conv = " + std::to_string(d_conv) + " must be odd and >= 1");
  if (!(dropout >= 0 && dropout < 1)) invalid("dropout must be in [0, 1)");
  if (!(drop_path >= 0 && drop_path < 1)) invalid("drop_path must be in [0, 1)");
  at_least("num_coarse", num_coarse, 1);
  if (fine_to_coarse.size() < 2) invalid("fine_to_coarse needs at least 2 classes");
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

int64_t ModelConfig::mlp_hidden(int64_t channels) const {
  return static_cast<int64_t>(std::llround(static_cast<double>(channels) * mlp_ratio));
}

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
