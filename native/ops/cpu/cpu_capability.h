// Which instruction-set variant of MERba's CPU kernels runs: each kernel source is compiled once per
// variant into merba::ops::cpu::isa_<name> (cmake/MerbaCpuKernels.cmake), and every operator picks its
// kernel table through MERBA_CPU_KERNELS, so one switch governs them all. No ATen here: the kernel units,
// compiled with ISA flags, include this too.
#pragma once

#include <string>
#include <vector>

namespace merba::ops::cpu {

// DEFAULT is the x86-64 (or other) baseline.
enum class CpuCapability { DEFAULT, AVX2 };

// The variant in use: the best the processor supports, unless MERBA_CPU_CAPABILITY (default|avx2) or
// set_cpu_capability() says otherwise. Tests and benchmarks use the setter to exercise every variant.
CpuCapability cpu_capability();
void set_cpu_capability(CpuCapability capability);
std::vector<CpuCapability> supported_cpu_capabilities();
std::string to_string(CpuCapability capability);

}  // namespace merba::ops::cpu

// Declares a kernel family's table getters `prefix_float()` and `prefix_double()`, returning `const
// Table<float>&` / `const Table<double>&`, in every variant's namespace. With MERBA_CPU_KERNELS below, this
// is the one place in C++ that lists the variants (cmake/MerbaCpuKernels.cmake builds them).
#define MERBA_DECLARE_CPU_KERNEL_TABLES(Table, prefix)                                                   \
  namespace merba::ops::cpu::isa_default {                                                               \
  const Table<float>& prefix##_float();                                                                  \
  const Table<double>& prefix##_double();                                                                \
  }                                                                                                      \
  namespace merba::ops::cpu::isa_avx2 {                                                                  \
  const Table<float>& prefix##_float();                                                                  \
  const Table<double>& prefix##_double();                                                                \
  }

// The kernel table returned by `getter()` (e.g. scan_kernels_float) in the variant in use. The AVX2 variant
// exists where the build compiled it (MERBA_HAVE_AVX2_KERNELS, set for the dispatching code by CMake).
#if defined(MERBA_HAVE_AVX2_KERNELS)
#define MERBA_CPU_KERNELS(getter)                                                           \
  (::merba::ops::cpu::cpu_capability() == ::merba::ops::cpu::CpuCapability::AVX2           \
       ? ::merba::ops::cpu::isa_avx2::getter()                                              \
       : ::merba::ops::cpu::isa_default::getter())
#else
#define MERBA_CPU_KERNELS(getter) (::merba::ops::cpu::isa_default::getter())
#endif
