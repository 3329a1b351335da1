// The seam between the selective-scan operator and a device's kernels. The CPU kernels are part of the
// core; a device library (the CUDA one, native/cuda) registers its implementation here when it is linked
// in, at static-initialisation time, so the core itself has no link dependency on that device's runtime.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/DeviceType.h>

#include <vector>

namespace merba::ops {

// One scan's inputs as the operator validated them: u, delta, B, C and z in the inputs' dtype (float32,
// float64, float16 or bfloat16), all (B, D, L) or (B, N, L) with any strides; A, D, delta_bias in float32 or that
// dtype. Optional tensors may be undefined.
struct DeviceScanInputs {
  at::Tensor u, delta, A, B, C, D, z, delta_bias;
  bool delta_softplus = false;
};

// What the forward returns and what the backward needs from it.
struct DeviceScanForward {
  at::Tensor out;         // (B, D, L), u's dtype, strides the backend's choice
  // The inputs as the kernels read them, when a backend copied some into a layout its kernels take: what the
  // backward is to be given, so that it need not copy them again. All of them, u, delta and z included (the operator
  // takes them together); left undefined (no u), the inputs as given.
  DeviceScanInputs inputs;
  at::Tensor last_state;  // (B, D, N), float32 (float64 for float64 inputs); undefined unless requested
  std::vector<at::Tensor> saved;  // what the backward needs besides the inputs; empty for inference
};

// Gradients in the dtypes of the inputs they belong to; undefined for absent optional inputs.
struct DeviceScanGradients {
  at::Tensor du, ddelta, dA, dB, dC, dD, dz, ddelta_bias;
};

class DeviceScanBackend {
 public:
  virtual ~DeviceScanBackend() = default;
  // Device-specific limits, checked by the operator before anything runs: throws c10::ValueError.
  virtual void check_supported(const DeviceScanInputs& in) const = 0;
  virtual DeviceScanForward forward(const DeviceScanInputs& in, bool for_backward, bool return_last_state) const = 0;
  virtual DeviceScanGradients backward(const DeviceScanInputs& in, const std::vector<at::Tensor>& saved,
                                       const at::Tensor& grad_out) const = 0;
};

// The backend registered for a device type, or nullptr. Backends live for the whole program.
const DeviceScanBackend* device_scan_backend(c10::DeviceType type);

// Registers `backend` for `type` (replacing any earlier one). Returns true, so that a device library can
// register from the initialiser of a namespace-scope constant.
bool register_device_scan_backend(c10::DeviceType type, const DeviceScanBackend* backend);

}  // namespace merba::ops
