#include "jni/merba_jni.h"

#include "checkpoint/model_checkpoint.h"
#include "jni/error_translation.h"
#include "ops/selective_scan.h"
#include "runtime/native_heap.h"

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

}  // namespace merba::jni
