#include "runtime/blas_threads.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace merba::runtime {

void configure_blas_threads() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("OPENBLAS_NUM_THREADS") != nullptr) return;  // the user's choice wins
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
  });
}

}  // namespace merba::runtime
