// The C++ side of the JNI boundary: the functions the JavaCPP peer classes in presets/ bind to. They take
// and return LibTorch tensors (bytedeco's org.bytedeco.pytorch.Tensor on the Java side) and do nothing
// but call the core and translate its errors.
//
// Error contract: every failure leaves as a std::runtime_error whose message starts with a category
// ("InvalidArgument: " for bad input, "Checkpoint[KIND]: " for checkpoint files, "NativeError: " otherwise)
// followed by the C++ message without its backtrace. JavaCPP turns it into a java.lang.RuntimeException carrying that message, and the Java API
// (ai.merba.internal.NativeCalls) maps the category onto IllegalArgumentException, a CheckpointException
// subclass or MerbaNativeException.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <string>
#include <vector>

#include "checkpoint/safetensors_file.h"

namespace torch {
using at::Tensor;  // JavaCPP's TensorVector peer names std::vector<torch::Tensor>.
}

namespace merba::jni {

// Undefined tensors stand for absent optional inputs. Returns {out} or {out, last_state}.
std::vector<at::Tensor> selective_scan(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A,
                                       const at::Tensor& B, const at::Tensor& C, const at::Tensor& D,
                                       const at::Tensor& z, const at::Tensor& delta_bias, bool delta_softplus,
                                       bool return_last_state);

// The validated __metadata__ of a model checkpoint (format and version checked): a std::map<string, string>, bound
// to Java as org.bytedeco.pytorch.StringStringMap.
checkpoint::Metadata read_checkpoint_metadata(const std::string& path);

// Bytes allocated through malloc in this process (see runtime/native_heap.h).
long long native_heap_bytes();

// "cpu", "cuda" or "cuda:N" as a device; std::invalid_argument for anything else, or for a GPU this build or
// machine does not have.
c10::Device parse_device(const std::string& device);

// Checks a fold plan (train/fold_plan.h) and writes it to `path`; zero_levels undefined for centred inputs.
void write_fold_plan(const std::string& path, const at::Tensor& features, const at::Tensor& zero_levels,
                     const at::Tensor& labels, const std::string& plan_json);

// Runs the fold plan at `path` with the native fold loop (train/fold_runner.h), `workers` folds at once on
// `device`, each training step replayed as a CUDA graph when `cuda_graphs` (a GPU only); returns the predictions
// and pooled metrics as JSON (train::results_json).
std::string run_fold_plan(const std::string& path, int workers, const std::string& device, bool cuda_graphs);

}  // namespace merba::jni
