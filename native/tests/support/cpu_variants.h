// Runs a test body once per CPU kernel variant this build and processor support (default, avx2), then
// restores the variant in use.
#pragma once

#include "ops/cpu/scan_cpu.h"

namespace merba::test {

template <typename Body>
void for_each_cpu_capability(Body body) {
  namespace cpu = merba::ops::cpu;
  const cpu::CpuCapability saved = cpu::cpu_capability();
  for (cpu::CpuCapability c : cpu::supported_cpu_capabilities()) {
    cpu::set_cpu_capability(c);
    body();
  }
  cpu::set_cpu_capability(saved);
}

}  // namespace merba::test
