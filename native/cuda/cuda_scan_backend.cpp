// The CUDA implementation of the selective-scan device backend (ops/scan_backend.h): tensors in, raw
// pointers and the current stream to the kernels (scan_forward.cu, scan_backward.cu), gradients out.
// Registers itself for CUDA tensors when this object file is linked in (see cmake/MerbaCuda.cmake).
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "cuda/scan_launch_inputs.h"
#include "cuda/scan_params.h"
#include "ops/scan_backend.h"

namespace merba::cuda {
namespace {

using ops::DeviceScanForward;
using ops::DeviceScanGradients;
using ops::DeviceScanInputs;


class CudaScanBackend final : public ops::DeviceScanBackend {
 public:
  void check_supported(const DeviceScanInputs& in) const override {
    TORCH_CHECK_VALUE(in.A.size(1) <= kMaxDState, "selective_scan: the CUDA kernels support d_state (N) up to ",
                      kMaxDState, ", got N = ", in.A.size(1));
  }

  DeviceScanForward forward(const DeviceScanInputs& in, bool for_backward, bool return_last_state) const override {
    const c10::cuda::CUDAGuard guard(in.u.device());
    const LaunchInputs launch(in);
    const ScanParams& p = launch.params;
    const auto compute = in.u.options().dtype(compute_dtype(in.u));

    DeviceScanForward result;
    result.out = at::empty({p.batch, p.dim, p.len}, in.u.options().memory_format(c10::MemoryFormat::Contiguous));
    at::Tensor states, pregate;
    if (for_backward || return_last_state) states = at::empty({p.batch, p.dim, chunk_count(p.len), p.dstate}, compute);
    if (for_backward && in.z.defined()) pregate = at::empty({p.batch, p.dim, p.len}, compute);

    ScanForwardBuffers buffers;
    buffers.out = result.out.data_ptr();
    buffers.states = states.defined() ? states.data_ptr() : nullptr;
    buffers.pregate = pregate.defined() ? pregate.data_ptr() : nullptr;
    C10_CUDA_CHECK(launch_scan_forward(p, buffers, c10::cuda::getCurrentCUDAStream()));

    if (return_last_state) result.last_state = states.select(2, states.size(2) - 1).contiguous();
    if (for_backward) result.saved = {states, pregate};
    return result;
  }

  DeviceScanGradients backward(const DeviceScanInputs& in, const std::vector<at::Tensor>& saved,
                               const at::Tensor& grad_out_in) const override {
    TORCH_CHECK(saved.size() == 2, "selective_scan (CUDA): backward needs the forward's saved tensors");
    const c10::cuda::CUDAGuard guard(in.u.device());
    const LaunchInputs launch(in);
    const ScanParams& p = launch.params;
    const auto compute = in.u.options().dtype(compute_dtype(in.u));
    const auto element = in.u.options().memory_format(c10::MemoryFormat::Contiguous);
    const at::Tensor grad_out = grad_out_in.to(in.u.scalar_type()).contiguous();

    DeviceScanGradients g;
    g.du = at::empty({p.batch, p.dim, p.len}, element);
    g.ddelta = at::empty({p.batch, p.dim, p.len}, element);
    if (in.z.defined()) g.dz = at::empty({p.batch, p.dim, p.len}, element);
    at::Tensor dB = at::zeros({p.batch, p.dstate, p.len}, compute);
    at::Tensor dC = at::zeros({p.batch, p.dstate, p.len}, compute);
    at::Tensor dA_parts = at::empty({p.batch, p.dim, p.dstate}, compute);
    at::Tensor dD_parts, dbias_parts;
    if (in.D.defined()) dD_parts = at::empty({p.batch, p.dim}, compute);
    if (in.delta_bias.defined()) dbias_parts = at::empty({p.batch, p.dim}, compute);

    ScanBackwardBuffers buffers;
    buffers.grad_out = grad_out.const_data_ptr();
    buffers.states = saved[0].const_data_ptr();
    buffers.pregate = ptr(saved[1]);
    buffers.du = g.du.data_ptr();
    buffers.ddelta = g.ddelta.data_ptr();
    buffers.dz = g.dz.defined() ? g.dz.data_ptr() : nullptr;
    buffers.dB = dB.data_ptr();
    buffers.dC = dC.data_ptr();
    buffers.dA = dA_parts.data_ptr();
    buffers.dD = dD_parts.defined() ? dD_parts.data_ptr() : nullptr;
    buffers.ddelta_bias = dbias_parts.defined() ? dbias_parts.data_ptr() : nullptr;
    C10_CUDA_CHECK(launch_scan_backward(p, buffers, c10::cuda::getCurrentCUDAStream()));

    g.dB = dB.to(in.B.scalar_type());
    g.dC = dC.to(in.C.scalar_type());
    g.dA = dA_parts.sum(0).to(in.A.scalar_type());
    if (in.D.defined()) g.dD = dD_parts.sum(0).to(in.D.scalar_type());
    if (in.delta_bias.defined()) g.ddelta_bias = dbias_parts.sum(0).to(in.delta_bias.scalar_type());
    return g;
  }
};

const CudaScanBackend backend;
const bool registered = ops::register_device_scan_backend(c10::DeviceType::CUDA, &backend);

}  // namespace
}  // namespace merba::cuda

// Referenced by the linker option that cmake/MerbaCuda.cmake adds (-u), so that this object file, and
// with it the registration above, is kept when the core is linked from a static archive.
extern "C" __attribute__((visibility("default"))) void merba_cuda_scan_backend_anchor() {}
