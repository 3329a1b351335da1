// The C++ side of the JNI boundary: the functions the JavaCPP peer classes in presets/ bind to. They take
// and return LibTorch tensors (bytedeco's org.bytedeco.pytorch.Tensor on the Java side) and do nothing
// but call the core and translate its errors.
//
// Error contract: every failure leaves as a std::runtime_error whose message starts with a category
// ("InvalidArgument: " for bad input, "NativeError: " otherwise) followed by the C++ message without its
// backtrace. JavaCPP turns it into a java.lang.RuntimeException carrying that message, and the Java API
// (ai.merba.NativeErrors) maps the category onto IllegalArgumentException or MerbaNativeException.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace torch {
using at::Tensor;  // JavaCPP's TensorVector peer names std::vector<torch::Tensor>.
}

namespace merba::jni {

// Undefined tensors stand for absent optional inputs. Returns {out} or {out, last_state}.
std::vector<at::Tensor> selective_scan(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A,
                                       const at::Tensor& B, const at::Tensor& C, const at::Tensor& D,
                                       const at::Tensor& z, const at::Tensor& delta_bias, bool delta_softplus,
                                       bool return_last_state);

}  // namespace merba::jni
