// Small constant index tensors (scan orders, class groupings) on the device that uses them, built once per
// process and device. Moving a host vector to a GPU in every forward costs a synchronous copy each time (the
// host waits for the GPU), and a CUDA graph cannot capture such a copy at all.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace merba::model {

// An int64 tensor holding `values` on `device`, shared by every caller asking for the same values there.
// Read-only: callers must not write into it. Thread-safe.
at::Tensor device_index(const std::vector<int64_t>& values, const c10::Device& device);

}  // namespace merba::model
