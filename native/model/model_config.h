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
  // The head reads the final feature map average-pooled to head_grid × head_grid cells, flattened channel-major
  // (c·g² + i·g + j): 1 is spec §2's global average pooling; more keeps where on the face the motion is.
  int64_t head_grid = 1;
  // From the label scheme: K_coarse and the coarse group of each fine class (K_fine = its size).
  int64_t num_coarse = 3;
  std::vector<int64_t> fine_to_coarse{0, 1, 2};

  // The JNI crossing document: config keys + num_coarse + fine_to_coarse. Throws std::invalid_argument
  // naming the field for anything malformed or invalid (Java validated it already; C++ callers may not).
  static ModelConfig from_json(const std::string& json);
  std::string to_json() const;
  // Every field within the bounds of docs/model-config.md, then the whole network within its parameter and
  // activation budgets (kMaxParameters, kMaxActivationBytes), so that a config — from a file, a preset
  // override or a checkpoint's metadata — cannot make the library allocate what it likes.
  void validate() const;

  // Closed forms, computed without building anything: the network's parameters (equal to the built network's
  // count) and an upper estimate of the float32 activations of one sample's forward pass.
  int64_t parameter_count() const;
  int64_t activation_bytes_per_sample() const;

  int64_t num_stages() const { return static_cast<int64_t>(dims.size()); }
  int64_t num_fine() const { return static_cast<int64_t>(fine_to_coarse.size()); }
  // Whether head.coarse / head.fine exist (spec §2 DGCM; fine = coarse makes the coarse head alone).
  bool has_coarse_head() const;
  bool has_fine_head() const;
  // Side of the feature map entering stage i, and its number of windows after padding.
  int64_t stage_resolution(int64_t stage) const;
  int64_t num_windows(int64_t stage) const;
  int64_t mlp_hidden(int64_t channels) const;
  // Width of the features the head reads: dims.back() · head_grid².
  int64_t head_features() const;
  int64_t total_blocks() const;
};

// Bounds on single fields and on the whole network (docs/model-config.md). The Java ModelConfig checks the same
// field bounds; test-data/model-config/invalid holds the cases both layers must refuse.
inline constexpr int64_t kMaxInChannels = 16;
inline constexpr int64_t kMaxInputSize = 1024;
inline constexpr int64_t kMaxStemStride = 8;
inline constexpr int64_t kMaxStages = 8;
inline constexpr int64_t kMaxDim = 2048;
inline constexpr int64_t kMaxDepth = 64;
inline constexpr int64_t kMaxWindowSize = 64;
inline constexpr int64_t kMaxHeads = 64;
inline constexpr double kMaxMlpRatio = 16;
inline constexpr int64_t kMaxDState = 256;
inline constexpr int64_t kMaxDConv = 31;
inline constexpr int64_t kMaxClasses = 1024;
inline constexpr int64_t kMaxParameters = 250'000'000;
inline constexpr int64_t kMaxActivationBytes = int64_t{2} << 30;

// The presets of spec §4, with the megc-3 label scheme.
ModelConfig composite_28();
ModelConfig paper_224();

}  // namespace merba::model
