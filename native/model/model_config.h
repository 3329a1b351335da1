// The network's configuration on the C++ side: parsed from the JSON the Java API sends across the JNI
// boundary (docs/model-config.md), plus the two numbers of the label scheme the network needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace merba::model {

enum class ScanOrder { H_PLUS, H_MINUS, V_PLUS, V_MINUS };
enum class DgcmMode { HARD, SOFT, FLAT };

const char* to_string(ScanOrder order);
const char* to_string(DgcmMode mode);

struct ModelConfig {
  int64_t in_channels = 3;
  int64_t input_size = 28;
  std::vector<int64_t> stem_strides{1, 1};
  std::vector<int64_t> dims{32, 64, 128};
  std::vector<int64_t> depths{1, 1, 1};
  std::vector<int64_t> window_sizes{7, 7, 7};
  std::vector<int64_t> heads{1, 2, 4};
  std::vector<ScanOrder> scans{ScanOrder::H_PLUS, ScanOrder::V_MINUS};
  bool inter_window_attention = true;
  DgcmMode dgcm = DgcmMode::HARD;
  double mlp_ratio = 4.0;
  int64_t d_state = 8;
  int64_t d_conv = 3;
  double dropout = 0.0;
  double drop_path = 0.1;
  // From the label scheme: K_coarse and the coarse group of each fine class (K_fine = its size).
  int64_t num_coarse = 3;
  std::vector<int64_t> fine_to_coarse{0, 1, 2};

  // The JNI crossing document: config keys + num_coarse + fine_to_coarse. Throws std::invalid_argument
  // naming the field for anything malformed or invalid (Java validated it already; C++ callers may not).
  static ModelConfig from_json(const std::string& json);
  std::string to_json() const;
  void validate() const;

  int64_t num_stages() const { return static_cast<int64_t>(dims.size()); }
  int64_t num_fine() const { return static_cast<int64_t>(fine_to_coarse.size()); }
  // Whether head.coarse / head.fine exist (spec §2 DGCM; fine = coarse makes the coarse head alone).
  bool has_coarse_head() const;
  bool has_fine_head() const;
  // Side of the feature map entering stage i, and its number of windows after padding.
  int64_t stage_resolution(int64_t stage) const;
  int64_t num_windows(int64_t stage) const;
  int64_t mlp_hidden(int64_t channels) const;
  int64_t total_blocks() const;
};

// The presets of spec §4, with the megc-3 label scheme.
ModelConfig composite_28();
ModelConfig paper_224();

}  // namespace merba::model
