#include "ops/selective_scan.h"

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/custom_function.h>

#include <optional>
#include <sstream>

#include "ops/cpu/scan_cpu.h"
#include "ops/scan_backend.h"

namespace merba::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using ops::DeviceScanBackend;
using ops::DeviceScanForward;
using ops::DeviceScanGradients;
using ops::DeviceScanInputs;

std::string shape_of(const at::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

void check_shape(const at::Tensor& t, const char* name, at::IntArrayRef expected, const char* meaning) {
  TORCH_CHECK_VALUE(t.sizes() == expected, "selective_scan: ", name, " must have shape ", meaning, " = ",
                    expected, ", got ", t.sizes());
}

void check_weight_dtype(const at::Tensor& t, const char* name, at::ScalarType input_dtype) {
  TORCH_CHECK_VALUE(t.scalar_type() == at::kFloat || t.scalar_type() == input_dtype, "selective_scan: ",
                    name, " must be float32 or the dtype of u (", input_dtype, "), got ", t.scalar_type());
}

// All validation happens here, at the boundary, before any kernel runs.
void validate(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A, const at::Tensor& B,
              const at::Tensor& C, const SelectiveScanOptions& o) {
  TORCH_CHECK_VALUE(u.defined(), "selective_scan: u is undefined");
  TORCH_CHECK_VALUE(u.dim() == 3, "selective_scan: u must have shape (B, D, L), got ", u.sizes());
  const auto dtype = u.scalar_type();
  TORCH_CHECK_VALUE(dtype == at::kFloat || dtype == at::kDouble || dtype == at::kHalf || dtype == at::kBFloat16,
                    "selective_scan: u must be float32, float64, float16 or bfloat16, got ", dtype);
  const int64_t batch = u.size(0), dim = u.size(1), len = u.size(2);
  TORCH_CHECK_VALUE(dim >= 1 && len >= 1, "selective_scan: u must have D >= 1 and L >= 1, got shape ", u.sizes());
  TORCH_CHECK_VALUE(A.defined() && A.dim() == 2 && A.size(0) == dim && A.size(1) >= 1,
                    "selective_scan: A must have shape (D, N) = (", dim, ", N) with N >= 1, got ",
                    A.defined() ? shape_of(A) : "undefined");
  const int64_t dstate = A.size(1);

  struct Named { const at::Tensor& t; const char* name; };
  for (Named required : {Named{delta, "delta"}, Named{B, "B"}, Named{C, "C"}}) {
    TORCH_CHECK_VALUE(required.t.defined(), "selective_scan: ", required.name, " is undefined");
  }
  check_shape(delta, "delta", {batch, dim, len}, "(B, D, L)");
  check_shape(B, "B", {batch, dstate, len}, "(B, N, L)");
  check_shape(C, "C", {batch, dstate, len}, "(B, N, L)");
  if (o.z().defined()) check_shape(o.z(), "z", {batch, dim, len}, "(B, D, L)");
  if (o.D().defined()) check_shape(o.D(), "D", {dim}, "(D)");
  if (o.delta_bias().defined()) check_shape(o.delta_bias(), "delta_bias", {dim}, "(D)");

  for (Named input : {Named{delta, "delta"}, Named{B, "B"}, Named{C, "C"}, Named{o.z(), "z"}}) {
    if (!input.t.defined()) continue;
    TORCH_CHECK_VALUE(input.t.scalar_type() == dtype, "selective_scan: ", input.name,
                      " must have the dtype of u (", dtype, "), got ", input.t.scalar_type());
  }
  check_weight_dtype(A, "A", dtype);
  if (o.D().defined()) check_weight_dtype(o.D(), "D", dtype);
  if (o.delta_bias().defined()) check_weight_dtype(o.delta_bias(), "delta_bias", dtype);

  for (Named t : {Named{delta, "delta"}, Named{A, "A"}, Named{B, "B"}, Named{C, "C"}, Named{o.z(), "z"},
                  Named{o.D(), "D"}, Named{o.delta_bias(), "delta_bias"}}) {
    if (!t.t.defined()) continue;
    TORCH_CHECK_VALUE(t.t.device() == u.device(), "selective_scan: ", t.name, " is on ", t.t.device(),
                      " but u is on ", u.device(), "; all inputs must be on one device");
    TORCH_CHECK_VALUE(t.t.layout() == at::kStrided, "selective_scan: ", t.name, " must be a dense tensor");
  }
  if (!u.is_cpu()) {
    const DeviceScanBackend* backend = device_scan_backend(u.device().type());
    TORCH_CHECK_VALUE(backend != nullptr, "selective_scan: u is on ", u.device(),
                      ", but this build of MERba was built without ", c10::DeviceTypeName(u.device().type()),
                      " support (the CUDA kernels need -DMERBA_WITH_CUDA=ON)");
    backend->check_supported(DeviceScanInputs{u, delta, A, B, C, o.D(), o.z(), o.delta_bias(), o.delta_softplus()});
  }
}

// The device backend for tensors off the CPU (validate() made sure there is one).
const DeviceScanBackend& backend_for(const at::Tensor& u) { return *device_scan_backend(u.device().type()); }

at::Tensor to_compute(const at::Tensor& t, at::ScalarType compute) {
  return t.defined() ? t.to(compute) : t;
}

// t itself where it has unit stride along L (what the CPU kernels need of u, delta and z), else a contiguous copy.
at::Tensor unit_stride_along_L(const at::Tensor& t) {
  return !t.defined() || t.size(2) <= 1 || t.stride(2) == 1 ? t : t.contiguous();
}

// The kernels' layout: u, delta, z with unit stride along L; (B, L, N) for B and C (d_state contiguous);
// contiguous weights, compute dtype.
cpu::ScanTensors prepare(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A,
                         const at::Tensor& B, const at::Tensor& C, const at::Tensor& D, const at::Tensor& z,
                         const at::Tensor& delta_bias, bool delta_softplus) {
  const auto compute = u.scalar_type();
  cpu::ScanTensors t;
  t.u = unit_stride_along_L(u);
  t.delta = unit_stride_along_L(delta);
  t.z = unit_stride_along_L(z);
  t.A = A.to(compute).contiguous();
  t.B = B.transpose(1, 2).contiguous();
  t.C = C.transpose(1, 2).contiguous();
  t.D = D.defined() ? D.to(compute).contiguous() : D;
  t.delta_bias = delta_bias.defined() ? delta_bias.to(compute).contiguous() : delta_bias;
  t.delta_softplus = delta_softplus;
  return t;
}

// Absent optional inputs travel as nullopt: autograd's input bookkeeping needs defined tensors.
std::optional<at::Tensor> optional(const at::Tensor& t) {
  return t.defined() ? std::optional<at::Tensor>(t) : std::nullopt;
}

at::Tensor grad_like(const at::Tensor& grad, const at::Tensor& input) {
  return grad.defined() && input.defined() ? grad.to(input.scalar_type()) : at::Tensor();
}

// Kernels (ops/cpu) are kept apart from this autograd glue, as ATen keeps native/ apart from autograd/.
struct SelectiveScanFunction : public torch::autograd::Function<SelectiveScanFunction> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& u, const at::Tensor& delta,
                               const at::Tensor& A, const at::Tensor& B, const at::Tensor& C,
                               const std::optional<at::Tensor>& D_opt, const std::optional<at::Tensor>& z_opt,
                               const std::optional<at::Tensor>& delta_bias_opt, bool delta_softplus,
                               bool return_last_state) {
    const at::Tensor D = D_opt.value_or(at::Tensor()), z = z_opt.value_or(at::Tensor()),
                     delta_bias = delta_bias_opt.value_or(at::Tensor());
    ctx->saved_data["delta_softplus"] = delta_softplus;
    if (!u.is_cpu()) {
      // The device kernels recompute states from what their forward saved (per-chunk states).
      const DeviceScanInputs given{u, delta, A, B, C, D, z, delta_bias, delta_softplus};
      DeviceScanForward r = backend_for(u).forward(given, /*for_backward=*/true, return_last_state);
      // The inputs as the kernels read them, so that the backward does not copy any again.
      const DeviceScanInputs& k = r.inputs.u.defined() ? r.inputs : given;
      variable_list to_save{k.u, k.delta, A, B, C, D, k.z, delta_bias};
      to_save.insert(to_save.end(), r.saved.begin(), r.saved.end());
      ctx->save_for_backward(to_save);
      if (!return_last_state) return {r.out};
      ctx->mark_non_differentiable({r.last_state});
      return {r.out, r.last_state};
    }
    cpu::ScanTensors t = prepare(u, delta, A, B, C, D, z, delta_bias, delta_softplus);
    cpu::ScanForwardResult r = cpu::scan_forward(t, return_last_state);
    ctx->save_for_backward({t.u, t.delta, A, B, C, D, t.z, delta_bias});  // u, delta, z as the kernels read them
    if (!return_last_state) return {r.out};
    ctx->mark_non_differentiable({r.last_state});
    return {r.out, r.last_state};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor &u = saved[0], &delta = saved[1], &A = saved[2], &B = saved[3], &C = saved[4],
                     &D = saved[5], &z = saved[6], &delta_bias = saved[7];
    const bool softplus = ctx->saved_data["delta_softplus"].toBool();
    at::Tensor grad_out = grad_outputs[0];
    if (!grad_out.defined()) grad_out = at::zeros_like(u);
    grad_out = grad_out.to(u.scalar_type());

    if (!u.is_cpu()) {  // in whatever layout autograd passes it: the backend takes it in its kernels' layout
      DeviceScanGradients g = backend_for(u).backward(
          DeviceScanInputs{u, delta, A, B, C, D, z, delta_bias, softplus},
          std::vector<at::Tensor>(saved.begin() + 8, saved.end()), grad_out);
      return {g.du, g.ddelta, g.dA, g.dB, g.dC, g.dD, g.dz, g.ddelta_bias, at::Tensor(), at::Tensor()};
    }
    cpu::ScanTensors t = prepare(u, delta, A, B, C, D, z, delta_bias, softplus);
    cpu::ScanGradients g = cpu::scan_backward(t, grad_out.contiguous());
    return {g.du, g.ddelta, grad_like(g.dA, A), g.dB.transpose(1, 2), g.dC.transpose(1, 2),
            grad_like(g.dD, D), g.dz, grad_like(g.ddelta_bias, delta_bias), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

SelectiveScanResult selective_scan(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A,
                                   const at::Tensor& B, const at::Tensor& C,
                                   const SelectiveScanOptions& options) {
  validate(u, delta, A, B, C, options);
  // Half-precision inputs are computed in float32 (the state is float32 anyway); the casts are
  // ordinary differentiable ops, so gradients come back in the inputs' dtypes.
  const auto input_dtype = u.scalar_type();
  // The device kernels read half-precision inputs themselves (computing in float32).
  const bool on_device = !u.is_cpu();
  const auto compute = on_device ? input_dtype : input_dtype == at::kDouble ? at::kDouble : at::kFloat;
  const bool needs_graph = at::GradMode::is_enabled() &&
                           (u.requires_grad() || delta.requires_grad() || A.requires_grad() || B.requires_grad() ||
                            C.requires_grad() || (options.D().defined() && options.D().requires_grad()) ||
                            (options.z().defined() && options.z().requires_grad()) ||
                            (options.delta_bias().defined() && options.delta_bias().requires_grad()));
  if (!needs_graph) {
    // Inference: the kernels directly, without autograd's bookkeeping (measurable at batch 1).
    if (on_device) {
      DeviceScanForward r = backend_for(u).forward(
          DeviceScanInputs{u, delta, A, B, C, options.D(), options.z(), options.delta_bias(), options.delta_softplus()},
          /*for_backward=*/false, options.return_last_state());
      return {r.out, r.last_state};
    }
    cpu::ScanForwardResult r =
        cpu::scan_forward(prepare(to_compute(u, compute), to_compute(delta, compute), A, to_compute(B, compute),
                                  to_compute(C, compute), options.D(), to_compute(options.z(), compute),
                                  options.delta_bias(), options.delta_softplus()),
                          options.return_last_state());
    return {r.out.scalar_type() == input_dtype ? r.out : r.out.to(input_dtype), r.last_state};
  }
  variable_list outputs = SelectiveScanFunction::apply(
      to_compute(u, compute), to_compute(delta, compute), A, to_compute(B, compute), to_compute(C, compute),
      optional(options.D()), optional(to_compute(options.z(), compute)), optional(options.delta_bias()),
      options.delta_softplus(),
      options.return_last_state());
  SelectiveScanResult result;
  result.out = outputs[0].scalar_type() == input_dtype ? outputs[0] : outputs[0].to(input_dtype);
  if (options.return_last_state()) result.last_state = outputs[1];
  return result;
}

}  // namespace merba::ops
