#include "runtime/nnpack.h"

#include <ATen/Context.h>

#include <mutex>

namespace merba::runtime {

bool cpu_supports_nnpack() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return true;
#endif
}

void configure_nnpack() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!cpu_supports_nnpack()) at::globalContext().setUserEnabledNNPACK(false);
  });
}

}  // namespace merba::runtime
