// Sharpness-aware minimisation (SAM; Foret et al., ICLR 2021): the step's gradient is taken not at the weights w
// but at the worst point of a small ball around them, to first order w + ρ·g/‖g‖ with g the gradient at w. The
// optimiser then updates w with that gradient, which favours flat minima; on small data sets it is what let
// vision transformers trained from scratch match convolutional networks (Chen et al., ICLR 2022).
//
// TrainSession uses it as: first pass (gradient g at w) → SharpnessPerturbation moves the weights → second pass
// (gradient at w + e) → the perturbation restores w → clipping and AdamW as usual.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace merba::train {

// Adds e = ρ·g/(‖g‖ + 1e-12) to every parameter with a gradient (‖g‖ the global L2 norm over all of them,
// kept on the parameters' device: no host read) and puts the original weights back on restore() or, at the latest, on
// destruction, so that an exception thrown by the second pass leaves the weights as they were. Restoring copies
// the saved weights rather than subtracting e: the weights come back bit for bit.
class SharpnessPerturbation {
 public:
  SharpnessPerturbation(std::vector<at::Tensor> parameters, double rho);
  ~SharpnessPerturbation();
  SharpnessPerturbation(const SharpnessPerturbation&) = delete;
  SharpnessPerturbation& operator=(const SharpnessPerturbation&) = delete;

  void restore();
  // ‖g‖ at the unperturbed weights, a 0-dim tensor on the parameters' device.
  const at::Tensor& gradient_norm() const { return norm_; }

 private:
  std::vector<at::Tensor> parameters_;  // those with a gradient
  std::vector<at::Tensor> saved_;       // their weights before the move; empty once restored
  at::Tensor norm_;
};

}  // namespace merba::train
