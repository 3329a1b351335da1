// The CUDA implementation of the selective-scan device backend (ops/scan_backend.h): tensors in, raw
// pointers and the current stream to the kernels (scan_forward.cu, scan_backward.cu), gradients out.
// Registers itself for CUDA tensors when this object file is linked in (see cmake/MerbaCuda.cmake).
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <array>
#include <atomic>
#include <utility>

#include "cuda/scan_launch_config.h"
#include "cuda/scan_launch_inputs.h"
#include "cuda/scan_params.h"
#include "ops/scan_backend.h"

namespace merba::cuda {
namespace {

using ops::DeviceScanForward;
using ops::DeviceScanGradients;
using ops::DeviceScanInputs;

std::atomic<ScanKernelChoice> kernel_choice{ScanKernelChoice::Auto};

// The shared memory a block may opt into on `device` (227 KiB on sm_90, 163 KiB on sm_80, 64 KiB on sm_75),
// read once per device.
std::size_t shared_memory_limit(c10::DeviceIndex device) {
  static std::array<std::atomic<std::size_t>, 64> limits{};
  std::atomic<std::size_t>& cached = limits.at(static_cast<std::size_t>(device));
  std::size_t limit = cached.load();
  if (limit == 0) {
    int bytes = 0;
    C10_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    limit = static_cast<std::size_t>(bytes);
    cached.store(limit);
  }
  return limit;
}

// The family for a forward: Short where it applies and both of its kernels fit the device's shared memory.
ScanKernel kernel_for(const ScanParams& p, c10::DeviceIndex device) {
  ScanKernel kernel = scan_kernel_for(p, kernel_choice.load());
  if (kernel == ScanKernel::Short) {
    const std::size_t limit = shared_memory_limit(device);
    if (forward_launch_shape(p, kernel).shared_bytes > limit || backward_launch_shape(p, kernel).shared_bytes > limit) {
      kernel = ScanKernel::Chunked;
    }
  }
  return kernel;
}

// The inputs in a layout the family that runs them reads (channels-last only for the short kernels), and that family.
// Copies only what that layout needs; a second decision only where that copied anything.
std::pair<DeviceScanInputs, ScanKernel> arranged_for_kernels(const DeviceScanInputs& given, c10::DeviceIndex device) {
  ScanKernel kernel = kernel_for(params_without_weights(given), device);
  DeviceScanInputs in = arranged(given, kernel == ScanKernel::Short);
  if (in.u.is_same(given.u) && in.delta.is_same(given.delta) && in.z.is_same(given.z)) return {in, kernel};
  // Copied: length-major now, whose compact strides may fit the short kernels where the given ones did not.
  return {in, kernel_for(params_without_weights(in), device)};
}

class CudaScanBackend final : public ops::DeviceScanBackend {
 public:
  void check_supported(const DeviceScanInputs& in) const override {
    TORCH_CHECK_VALUE(in.A.size(1) <= kMaxDState, "selective_scan: the CUDA kernels support d_state (N) up to ",
                      kMaxDState, ", got N = ", in.A.size(1));
  }

  DeviceScanForward forward(const DeviceScanInputs& given, bool for_backward, bool return_last_state) const override {
    const c10::cuda::CUDAGuard guard(given.u.device());
    const auto [in, kernel] = arranged_for_kernels(given, given.u.device().index());
    const LaunchInputs launch(in);
    const ScanParams& p = launch.params;
    const auto compute = in.u.options().dtype(compute_dtype(in.u));

    // The chunked backward restarts from the state after each chunk and reads y + D·u before the gate; the
    // short backward recomputes both from the inputs, so its forward saves nothing.
    const bool chunked_backward = for_backward && kernel == ScanKernel::Chunked;

    DeviceScanForward result;
    result.inputs = in;
    result.out = empty_per_step(p, in.u.options());
    at::Tensor states, pregate;
    if (chunked_backward || return_last_state) states = at::empty({p.batch, p.dim, chunk_count(p.len), p.dstate}, compute);
    if (chunked_backward && in.z.defined()) pregate = at::empty({p.batch, p.dim, p.len}, compute);

    ScanForwardBuffers buffers;
    buffers.out = result.out.data_ptr();
    buffers.states = states.defined() ? states.data_ptr() : nullptr;
    buffers.pregate = pregate.defined() ? pregate.data_ptr() : nullptr;
    C10_CUDA_CHECK(launch_scan_forward(p, buffers, kernel, c10::cuda::getCurrentCUDAStream()));

    if (return_last_state) result.last_state = states.select(2, states.size(2) - 1).contiguous();
    // Undefined states tell the backward that the short forward ran (see backward()).
    if (for_backward) result.saved = {chunked_backward ? states : at::Tensor(), pregate};
    return result;
  }

  DeviceScanGradients backward(const DeviceScanInputs& given, const std::vector<at::Tensor>& saved,
                               const at::Tensor& grad_out_in) const override {
    TORCH_CHECK(saved.size() == 2, "selective_scan (CUDA): backward needs the forward's saved tensors");
    const c10::cuda::CUDAGuard guard(given.u.device());
    // The backward of the family whose forward ran, whatever the choice is now; the inputs are the forward's
    // arranged ones (DeviceScanForward::inputs), so arranging them again copies nothing.
    const ScanKernel kernel = saved[0].defined() ? ScanKernel::Chunked : ScanKernel::Short;
    const DeviceScanInputs in = arranged(given, kernel == ScanKernel::Short);
    const LaunchInputs launch(in);
    const ScanParams& p = launch.params;
    const auto compute = in.u.options().dtype(compute_dtype(in.u));
    const auto element = in.u.options().memory_format(c10::MemoryFormat::Contiguous);
    const at::Tensor grad_out = arranged_grad(grad_out_in.to(in.u.scalar_type()), p.channels_last);

    DeviceScanGradients g;
    g.du = empty_per_step(p, element);
    g.ddelta = empty_per_step(p, element);
    if (in.z.defined()) g.dz = empty_per_step(p, element);
    // Chunked: accumulated atomically in the compute type. Short: written once in the element type.
    at::Tensor dB = kernel == ScanKernel::Chunked ? at::zeros({p.batch, p.dstate, p.len}, compute)
                                                  : at::empty({p.batch, p.dstate, p.len}, element);
    at::Tensor dC = at::empty_like(dB);
    if (kernel == ScanKernel::Chunked) dC.zero_();
    at::Tensor dA_parts = at::empty({p.batch, p.dim, p.dstate}, compute);
    at::Tensor dD_parts, dbias_parts;
    if (in.D.defined()) dD_parts = at::empty({p.batch, p.dim}, compute);
    if (in.delta_bias.defined()) dbias_parts = at::empty({p.batch, p.dim}, compute);

    ScanBackwardBuffers buffers;
    buffers.grad_out = grad_out.const_data_ptr();
    buffers.grad_out_stride_b = grad_out.stride(0);
    buffers.grad_out_stride_l = grad_out.stride(2);
    buffers.states = ptr(saved[0]);  // undefined after a short forward
    buffers.pregate = ptr(saved[1]);
    buffers.du = g.du.data_ptr();
    buffers.ddelta = g.ddelta.data_ptr();
    buffers.dz = g.dz.defined() ? g.dz.data_ptr() : nullptr;
    buffers.dB = dB.data_ptr();
    buffers.dC = dC.data_ptr();
    buffers.dA = dA_parts.data_ptr();
    buffers.dD = dD_parts.defined() ? dD_parts.data_ptr() : nullptr;
    buffers.ddelta_bias = dbias_parts.defined() ? dbias_parts.data_ptr() : nullptr;
    C10_CUDA_CHECK(launch_scan_backward(p, buffers, kernel, c10::cuda::getCurrentCUDAStream()));

    g.dB = dB.to(in.B.scalar_type());  // no copy when the dtype is already B's
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

void set_scan_kernel_choice(ScanKernelChoice choice) { kernel_choice.store(choice); }
ScanKernelChoice scan_kernel_choice() { return kernel_choice.load(); }

}  // namespace merba::cuda

// Referenced by the linker option that cmake/MerbaCuda.cmake adds (-u), so that this object file, and
// with it the registration above, is kept when the core is linked from a static archive.
extern "C" __attribute__((visibility("default"))) void merba_cuda_scan_backend_anchor() {}
