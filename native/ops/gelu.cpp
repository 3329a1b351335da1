#include "ops/gelu.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/custom_function.h>

#include "ops/cpu/gelu_cpu.h"

namespace merba::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct GeluFunction : public torch::autograd::Function<GeluFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input) {
    const at::Tensor x = input.contiguous();
    at::Tensor y = at::gelu(x);
    ctx->save_for_backward({cpu::gelu_derivative(x, y)});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    // The saved derivative is a constant to autograd: refuse create_graph rather than drop the second derivative.
    TORCH_CHECK(!at::GradMode::is_enabled(), "gelu: double backward (create_graph=true) is not supported");
    return {grad_outputs[0] * ctx->get_saved_variables()[0]};
  }
};

}  // namespace

at::Tensor gelu(const at::Tensor& x) {
  const bool fused = x.is_cpu() && (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble);
  if (!fused || !at::GradMode::is_enabled() || !x.requires_grad()) return at::gelu(x);
  return GeluFunction::apply(x);
}

}  // namespace merba::ops
