// An exponential moving average of a network's weights (Polyak averaging; the decay's warm-up as in
// TensorFlow's ExponentialMovingAverage with num_updates), kept beside the network during training and swapped
// in for evaluation and saving.
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "checkpoint/safetensors_file.h"

namespace merba::train {

class WeightEma {
 public:
  // Starts the average at the network's current parameters and buffers.
  WeightEma(torch::nn::Module& net, double decay);

  // After the k-th optimiser step (k = 1, 2, ...): a ← d_k·a + (1 − d_k)·w for every parameter and floating
  // buffer (BatchNorm's running statistics), with d_k = min(decay, (1 + k) / (10 + k)) so that the first steps
  // do not stay anchored to the random initialisation; integer buffers are copied.
  void update();

  // Exchanges the averaged tensors with the network's: call twice to get the raw weights back.
  void swap();

  int64_t updates() const { return updates_; }  // optimiser steps averaged so far
  double decay_at(int64_t k) const;

  // The averages as "ema.<name>" tensors (name as in the network), plus "ema.updates"; restore() takes the same.
  checkpoint::NamedTensors state() const;
  checkpoint::NamedTensors state_template() const;
  void restore(const checkpoint::NamedTensors& state);

 private:
  void follow_devices();

  double decay_;
  int64_t updates_ = 0;
  std::vector<std::string> names_;
  std::vector<at::Tensor> live_;     // the network's tensors
  std::vector<at::Tensor> average_;  // their averages, same order
};

}  // namespace merba::train
