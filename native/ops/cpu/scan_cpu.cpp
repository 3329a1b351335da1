#include "ops/cpu/scan_cpu.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <type_traits>

namespace merba::ops::cpu {
namespace {

template <typename T>
const ScanKernels<T>& kernels() {
  if constexpr (std::is_same_v<T, float>) return MERBA_CPU_KERNELS(scan_kernels_float);
  else return MERBA_CPU_KERNELS(scan_kernels_double);
}

template <typename T>
const T* data_or_null(const at::Tensor& t) {
  return t.defined() ? t.const_data_ptr<T>() : nullptr;
}

template <typename T>
ScanInputs<T> raw_inputs(const ScanTensors& t) {
  ScanInputs<T> in;
  in.batch = t.u.size(0);
  in.dim = t.u.size(1);
  in.len = t.u.size(2);
  in.dstate = t.A.size(1);
  in.u = t.u.const_data_ptr<T>();
  in.u_stride_b = t.u.stride(0);
  in.u_stride_d = t.u.stride(1);
  in.delta = t.delta.const_data_ptr<T>();
  in.delta_stride_b = t.delta.stride(0);
  in.delta_stride_d = t.delta.stride(1);
  in.A = t.A.const_data_ptr<T>();
  in.B = t.B.const_data_ptr<T>();
  in.C = t.C.const_data_ptr<T>();
  in.D = data_or_null<T>(t.D);
  in.z = data_or_null<T>(t.z);
  if (t.z.defined()) {
    in.z_stride_b = t.z.stride(0);
    in.z_stride_d = t.z.stride(1);
  }
  in.delta_bias = data_or_null<T>(t.delta_bias);
  in.delta_softplus = t.delta_softplus;
  return in;
}

// Rows per task so that each task does at least ~32k state updates: enough to amortise the task.
int64_t grain_for(int64_t len, int64_t dstate) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, len * dstate));
}

template <typename T>
ScanForwardResult forward_typed(const ScanTensors& t, bool return_last_state) {
  const ScanInputs<T> in = raw_inputs<T>(t);
  ScanForwardResult result;
  result.out = at::empty({in.batch, in.dim, in.len}, t.u.options().memory_format(c10::MemoryFormat::Contiguous));
  if (return_last_state) result.last_state = at::empty({in.batch, in.dim, in.dstate}, t.u.options());
  ScanForwardOutputs<T> out{result.out.data_ptr<T>(),
                            return_last_state ? result.last_state.data_ptr<T>() : nullptr};
  const ScanKernels<T>& k = kernels<T>();
  at::parallel_for(0, in.batch * in.dim, grain_for(in.len, in.dstate), [&](int64_t begin, int64_t end) {
    k.forward_rows(in, out, begin, end);
  });
  return result;
}

template <typename T>
ScanGradients backward_typed(const ScanTensors& t, const at::Tensor& grad_out) {
  const ScanInputs<T> in = raw_inputs<T>(t);
  const auto opts = t.u.options();
  ScanGradients g;
  g.du = at::empty({in.batch, in.dim, in.len}, opts);
  g.ddelta = at::empty({in.batch, in.dim, in.len}, opts);
  if (t.z.defined()) g.dz = at::empty({in.batch, in.dim, in.len}, opts);

  // Split channels into groups only when the batch alone cannot keep every thread busy: each group
  // needs its own dB/dC slice, summed afterwards.
  const int64_t threads = at::get_num_threads();
  const int64_t groups = std::clamp<int64_t>((4 * threads + in.batch - 1) / std::max<int64_t>(in.batch, 1),
                                             1, in.dim);
  const int64_t items = in.batch * groups;
  // Batch-reduced gradients (dA, dD, d_delta_bias) go to one slot per task, summed below; tasks rather
  // than thread ids, so the result does not depend on how the thread pool runs them.
  const int64_t tasks = std::clamp<int64_t>(4 * threads, 1, std::max<int64_t>(items, 1));
  at::Tensor dB_parts = at::zeros({groups, in.batch, in.len, in.dstate}, opts);
  at::Tensor dC_parts = at::zeros({groups, in.batch, in.len, in.dstate}, opts);
  at::Tensor dA_parts = at::zeros({tasks, in.dim, in.dstate}, opts);
  at::Tensor dD_parts = at::zeros({tasks, in.dim}, opts);
  at::Tensor dbias_parts = at::zeros({tasks, in.dim}, opts);

  ScanBackwardOutputs<T> out;
  out.grad_out = grad_out.const_data_ptr<T>();
  out.du = g.du.data_ptr<T>();
  out.ddelta = g.ddelta.data_ptr<T>();
  out.dz = t.z.defined() ? g.dz.data_ptr<T>() : nullptr;
  out.dB = dB_parts.data_ptr<T>();
  out.dC = dC_parts.data_ptr<T>();
  out.groups = groups;

  const ScanKernels<T>& k = kernels<T>();
  at::parallel_for(0, tasks, 1, [&](int64_t task_begin, int64_t task_end) {
    for (int64_t task = task_begin; task < task_end; ++task) {
      ScanTaskAccumulators<T> acc{dA_parts.data_ptr<T>() + task * in.dim * in.dstate,
                                    dD_parts.data_ptr<T>() + task * in.dim,
                                    dbias_parts.data_ptr<T>() + task * in.dim};
      k.backward_items(in, out, acc, items * task / tasks, items * (task + 1) / tasks);
    }
  });

  g.dB = groups == 1 ? dB_parts.squeeze(0) : dB_parts.sum(0);
  g.dC = groups == 1 ? dC_parts.squeeze(0) : dC_parts.sum(0);
  g.dA = dA_parts.sum(0);
  if (t.D.defined()) g.dD = dD_parts.sum(0);
  if (t.delta_bias.defined()) g.ddelta_bias = dbias_parts.sum(0);
  return g;
}

}  // namespace

ScanForwardResult scan_forward(const ScanTensors& in, bool return_last_state) {
  if (in.u.scalar_type() == at::kDouble) return forward_typed<double>(in, return_last_state);
  return forward_typed<float>(in, return_last_state);
}

ScanGradients scan_backward(const ScanTensors& in, const at::Tensor& grad_out) {
  if (in.u.scalar_type() == at::kDouble) return backward_typed<double>(in, grad_out);
  return backward_typed<float>(in, grad_out);
}

}  // namespace merba::ops::cpu
