# Compiles a CPU kernel source once per instruction set, each into its own namespace
# (merba::ops::cpu::isa_<name>), as ATen does with CPU_CAPABILITY: the library carries every variant and
# picks one at run time, so one binary is both portable and fast.
#
#   merba_add_cpu_kernel_variants(<prefix> <source>)
# sets <PREFIX>_OBJECTS (object files to add to a library) and <PREFIX>_DEFINITIONS (compile definitions
# for the dispatching code, e.g. MERBA_HAVE_AVX2_KERNELS).

include_guard(GLOBAL)

function(merba_add_cpu_kernel_variants prefix source)
  string(TOUPPER "${prefix}" PREFIX)
  set(variants default)
  set(flags_default "")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    list(APPEND variants avx2)
    set(flags_avx2 -mavx2 -mfma)
  endif()

  set(objects "")
  set(definitions "")
  foreach(variant IN LISTS variants)
    set(target ${prefix}_${variant})
    add_library(${target} OBJECT "${source}")
    target_include_directories(${target} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
    target_compile_definitions(${target} PRIVATE MERBA_ISA_NAMESPACE=isa_${variant})
    # -fopenmp-simd honours the '#pragma omp simd' hints without an OpenMP runtime; -fno-math-errno lets
    # sqrt/fabs vectorise. No -ffast-math: the kernels must stay within 1e-5 of IEEE reference results.
    # -Wno-psabi: GCC notes that 32-byte vector arguments pass differently without AVX. Functions that take
    # vectors live in each variant's own namespace (scan_math.h); the entry points take pointers and integers.
    target_compile_options(${target} PRIVATE -O3 -fopenmp-simd -fno-math-errno ${flags_${variant}}
                           -Wall -Wextra -Wno-psabi)
    list(APPEND objects $<TARGET_OBJECTS:${target}>)
    string(TOUPPER "${variant}" VARIANT)
    list(APPEND definitions MERBA_HAVE_${VARIANT}_KERNELS)
  endforeach()
  set(${PREFIX}_OBJECTS ${objects} PARENT_SCOPE)
  set(${PREFIX}_DEFINITIONS ${definitions} PARENT_SCOPE)
endfunction()
