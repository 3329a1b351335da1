#include "ops/cpu/cpu_capability.h"

#include <c10/util/Exception.h>

#include <atomic>
#include <cstdlib>

namespace merba::ops::cpu {
namespace {

bool processor_supports(CpuCapability capability) {
  switch (capability) {
    case CpuCapability::DEFAULT: return true;
    case CpuCapability::AVX2:
#if defined(MERBA_HAVE_AVX2_KERNELS)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return false;
#endif
  }
  return false;
}

CpuCapability initial_capability() {
  CpuCapability best = processor_supports(CpuCapability::AVX2) ? CpuCapability::AVX2 : CpuCapability::DEFAULT;
  const char* requested = std::getenv("MERBA_CPU_CAPABILITY");
  if (requested == nullptr || *requested == '\0') return best;
  for (CpuCapability c : {CpuCapability::DEFAULT, CpuCapability::AVX2}) {
    if (to_string(c) == requested) {
      TORCH_CHECK(processor_supports(c), "MERBA_CPU_CAPABILITY=", requested,
                  " is not supported by this processor or build");
      return c;
    }
  }
  TORCH_CHECK(false, "MERBA_CPU_CAPABILITY must be 'default' or 'avx2', got '", requested, "'");
}

std::atomic<CpuCapability>& capability_slot() {
  static std::atomic<CpuCapability> slot{initial_capability()};
  return slot;
}

}  // namespace

std::string to_string(CpuCapability capability) {
  switch (capability) {
    case CpuCapability::DEFAULT: return "default";
    case CpuCapability::AVX2: return "avx2";
  }
  return "unknown";
}

CpuCapability cpu_capability() { return capability_slot().load(std::memory_order_relaxed); }

void set_cpu_capability(CpuCapability capability) {
  TORCH_CHECK(processor_supports(capability), "CPU capability '", to_string(capability),
              "' is not supported by this processor or build");
  capability_slot().store(capability, std::memory_order_relaxed);
}

std::vector<CpuCapability> supported_cpu_capabilities() {
  std::vector<CpuCapability> result;
  for (CpuCapability c : {CpuCapability::DEFAULT, CpuCapability::AVX2}) {
    if (processor_supports(c)) result.push_back(c);
  }
  return result;
}

}  // namespace merba::ops::cpu
