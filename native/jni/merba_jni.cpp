#include "jni/merba_jni.h"

#include "checkpoint/model_checkpoint.h"
#include "jni/error_translation.h"
#include "ops/selective_scan.h"
#include "runtime/native_heap.h"
#include "train/fold_plan.h"
#include "train/fold_runner.h"

#include <ATen/Context.h>

namespace merba::jni {

std::vector<at::Tensor> selective_scan(const at::Tensor& u, const at::Tensor& delta, const at::Tensor& A,
                                       const at::Tensor& B, const at::Tensor& C, const at::Tensor& D,
                                       const at::Tensor& z, const at::Tensor& delta_bias, bool delta_softplus,
                                       bool return_last_state) {
  return translate_errors([&] {
    ops::SelectiveScanResult r = ops::selective_scan(u, delta, A, B, C,
                                                     ops::SelectiveScanOptions()
                                                         .D(D)
                                                         .z(z)
                                                         .delta_bias(delta_bias)
                                                         .delta_softplus(delta_softplus)
                                                         .return_last_state(return_last_state));
    std::vector<at::Tensor> outputs{r.out};
    if (return_last_state) outputs.push_back(r.last_state);
    return outputs;
  });
}

checkpoint::Metadata read_checkpoint_metadata(const std::string& path) {
  return translate_errors([&] { return checkpoint::read_model_metadata(path); });
}

long long native_heap_bytes() { return runtime::native_heap_bytes(); }

c10::Device parse_device(const std::string& device) {
  c10::Device target = [&] {
    try {
      return c10::Device(device);
    } catch (const c10::Error&) {
      throw std::invalid_argument("unknown device '" + device + "' (expected cpu, cuda or cuda:N)");
    }
  }();
  TORCH_CHECK_VALUE(!target.is_cuda() || at::hasCUDA(),
                    "device '", device, "' requested, but this LibTorch build has no CUDA support or no GPU is visible");
  return target;
}

void write_fold_plan(const std::string& path, const at::Tensor& features, const at::Tensor& zero_levels,
                     const at::Tensor& labels, const std::string& plan_json) {
  translate_errors([&] {
    train::FoldPlan::write(path, features, zero_levels, labels, plan_json);
    return 0;
  });
}

std::string run_fold_plan(const std::string& path, int workers, const std::string& device, bool cuda_graphs) {
  return translate_errors([&] {
    const train::FoldPlan plan = train::FoldPlan::read(path);
    train::FoldRunOptions options;
    options.workers = workers;
    options.device = parse_device(device);
    TORCH_CHECK_VALUE(!cuda_graphs || options.device.is_cuda(), "CUDA graphs of the training step need a GPU device, "
                      "not '", device, "'");
    options.cuda_graphs = cuda_graphs;
    return train::results_json(plan, train::run_folds(plan, options));
  });
}

}  // namespace merba::jni
