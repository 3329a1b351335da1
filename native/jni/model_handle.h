// The C++ side of ai.merba.presets.NativeModel: one MERba network and its configuration, owned by a Java
// handle. Every method follows the error contract of merba_jni.h.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "checkpoint/safetensors_file.h"

namespace torch {
using at::Tensor;  // JavaCPP's TensorVector peer names std::vector<torch::Tensor>.
}

namespace merba::model {
class MerbaNet;
}

namespace merba::jni {

class ModelHandle {
 public:
  // spec_json: the JNI crossing document of docs/model-config.md. Parameters are initialised from seed.
  ModelHandle(const std::string& spec_json, long long seed);
  // Without spec §2's initialisation (the modules' LibTorch defaults): for weights about to be loaded.
  explicit ModelHandle(const std::string& spec_json);
  ~ModelHandle();
  ModelHandle(const ModelHandle&) = delete;
  ModelHandle& operator=(const ModelHandle&) = delete;

  // {coarse logits, fine logits}; an absent head gives an undefined tensor. Differentiable.
  std::vector<at::Tensor> forward(const at::Tensor& input);
  // Inference (eval-mode semantics whatever the mode, no autograd):
  // {coarse probs (B, Kc), fine probs (B, Kf), coarse index (B), fine index (B)}. Samples holding NaN or ±Inf are
  // refused (std::invalid_argument naming the first) unless allow_non_finite. With mirror_average (test-time
  // flipping; the input must be centred flows) the logits are the mean of the input's and its mirror image's
  // (train/augmentation.h), so a sample and its mirror image get the same prediction.
  std::vector<at::Tensor> predict(const at::Tensor& input, bool allow_non_finite, bool mirror_average);
  // The DGCM training loss for fine-class targets (B) int64.
  at::Tensor loss(const at::Tensor& input, const at::Tensor& fine_targets);

  void set_training(bool training);
  bool is_training() const;
  // "cpu", "cuda", "cuda:1", ...
  void to_device(const std::string& device);
  std::string device() const;

  // Names and tensors of all parameters, then all buffers, in module order.
  std::vector<at::Tensor> parameters() const;
  std::string summary_json() const;

  // Writes NAME.safetensors (spec §7, atomically) with `metadata` (config, labels, input_centring, training),
  // to which the format and its version are added.
  void save(const std::string& path, const checkpoint::Metadata& metadata);
  // Loads parameters and buffers from a checkpoint of this architecture; checks every tensor before
  // changing any (see checkpoint::load_tensors).
  void load(const std::string& path, bool allow_unexpected);

  // For other native handles (training); not bound to Java.
  model::MerbaNet& net();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace merba::jni
