# The CUDA selective-scan kernels (native/cuda), in one of two ways:
#
#  * MERBA_WITH_CUDA=ON: nvcc builds the kernels for sm_80 and sm_90 (MERBA_CUDA_ARCHITECTURES) and the
#    backend that registers them for CUDA tensors; both are linked into merba_core. Needs a CUDA build of
#    LibTorch: find_package(Torch) from a CUDA PyTorch, or bytedeco's linux-x86_64-gpu libraries.
#  * otherwise, MERBA_CUDA_COMPILE_CHECK=ON (the default): when nvcc is found, the same sources are
#    compiled (sm_90 only, to keep CPU CI quick) into an object library that nothing links, so that a
#    kernel or backend that does not compile fails the CPU build too. Without nvcc the check is skipped
#    with a message. The toolkit's headers then also let tests/cuda_emulation run the kernels' source on the
#    CPU.
#
# Include after the core library is defined, with MERBA_CUDA_CORE_TARGET naming it. Sets MERBA_CUDA_ENABLED.

include_guard(GLOBAL)

option(MERBA_WITH_CUDA "Build and link the CUDA selective-scan kernels (needs nvcc and a CUDA LibTorch)" OFF)
option(MERBA_CUDA_COMPILE_CHECK "Without MERBA_WITH_CUDA: compile (not link) the CUDA sources when nvcc is found" ON)
set(MERBA_CUDA_ARCHITECTURES "80;90" CACHE STRING "GPU architectures of the CUDA build")
set(MERBA_CUDA_CHECK_ARCHITECTURES "90" CACHE STRING "GPU architectures of the compile-only check")

set(MERBA_CUDA_KERNEL_SOURCES cuda/scan_forward.cu cuda/scan_backward.cu)
set(MERBA_CUDA_BACKEND_SOURCES cuda/cuda_scan_backend.cpp cuda/cuda_step_graph.cpp)

# Points CMake at the real nvcc unless the user chose one (CUDACXX / CMAKE_CUDA_COMPILER): a wrapper
# script on PATH hides the toolkit's location from CMake's compiler detection.
function(merba_find_nvcc)
  if(CMAKE_CUDA_COMPILER OR DEFINED ENV{CUDACXX})
    return()
  endif()
  find_program(MERBA_NVCC nvcc HINTS ENV CUDA_HOME ENV CUDA_PATH PATH_SUFFIXES bin
               PATHS /usr/local/cuda/bin NO_CACHE)
  if(MERBA_NVCC)
    get_filename_component(real "${MERBA_NVCC}" REALPATH)
    # A one-line `exec …/nvcc "$@"` wrapper: use its target.
    file(STRINGS "${real}" exec_line REGEX "^exec .*/nvcc" LIMIT_COUNT 1 LIMIT_INPUT 4096)
    if(exec_line MATCHES "^exec ([^ ]*/nvcc)")
      set(real "${CMAKE_MATCH_1}")
    endif()
    set(CMAKE_CUDA_COMPILER "${real}" CACHE FILEPATH "CUDA compiler")
  endif()
endfunction()

function(merba_cuda_kernel_settings target architectures)
  set_target_properties(${target} PROPERTIES CUDA_ARCHITECTURES "${architectures}" CUDA_STANDARD 17
                                             CUDA_STANDARD_REQUIRED ON POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
  # Accurate math on purpose (no --use_fast_math): the kernels are held to 1e-5 of the reference.
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3 -Xcompiler=-Wall>)
endfunction()

# File scope, not a function: enable_language() may not be called from a function.
if(NOT TARGET "${MERBA_CUDA_CORE_TARGET}")
  message(FATAL_ERROR "set MERBA_CUDA_CORE_TARGET to the core library before include(MerbaCuda)")
endif()
set(MERBA_CUDA_ENABLED OFF)
# Set by the compile check: the kernel emulation test (tests/cuda_emulation) needs the toolkit's headers. Not
# in the CUDA build, which runs the real kernels, and where the test's host instantiations of the kernel
# templates would share names with nvcc's launch stubs.
set(MERBA_CUDA_TOOLKIT_INCLUDE_DIRS "")

if(MERBA_WITH_CUDA)
  merba_find_nvcc()
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES ${MERBA_CUDA_ARCHITECTURES})
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)

  # Kernels: raw pointers only, no LibTorch headers.
  add_library(merba_cuda_kernels OBJECT ${MERBA_CUDA_KERNEL_SOURCES})
  merba_cuda_kernel_settings(merba_cuda_kernels "${MERBA_CUDA_ARCHITECTURES}")
  target_link_libraries(merba_cuda_kernels PRIVATE CUDA::cudart)

  # The backend (host code on LibTorch) goes into the core with the kernels' objects. Nothing in the core
  # calls it: it registers itself at static initialisation, and the anchors keep its object files when the
  # core is linked from its static archive (by CMake targets here; the JNI build passes the same -u).
  target_sources(${MERBA_CUDA_CORE_TARGET} PRIVATE ${MERBA_CUDA_BACKEND_SOURCES}
                 $<TARGET_OBJECTS:merba_cuda_kernels>)
  target_link_libraries(${MERBA_CUDA_CORE_TARGET} PUBLIC CUDA::cudart)
  # The kernels' objects make CUDA one of the core's languages; without its own CUDA_STANDARD, CMake asks
  # nvcc for the core's C++20, which CMake 3.25 cannot spell for nvcc ("requires the language dialect CUDA20").
  set_target_properties(${MERBA_CUDA_CORE_TARGET} PROPERTIES CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON)
  target_link_options(${MERBA_CUDA_CORE_TARGET} INTERFACE "LINKER:--undefined=merba_cuda_scan_backend_anchor"
                      "LINKER:--undefined=merba_cuda_step_graph_anchor")
  if(MERBA_TORCH_LIBRARY_DIRS)
    # bytedeco's GPU runtime: find_package(Torch) is not involved, so name LibTorch's CUDA libraries.
    set(merba_cuda_libs "")
    foreach(name IN ITEMS torch_cuda c10_cuda)
      find_library(MERBA_LIB_${name} NAMES ${name} PATHS ${MERBA_TORCH_LIBRARY_DIRS} NO_DEFAULT_PATH)
      if(NOT MERBA_LIB_${name})
        message(FATAL_ERROR "MERBA_WITH_CUDA needs lib${name}.so (a GPU build of LibTorch) in "
                            "MERBA_TORCH_LIBRARY_DIRS='${MERBA_TORCH_LIBRARY_DIRS}'")
      endif()
      list(APPEND merba_cuda_libs "${MERBA_LIB_${name}}")
    endforeach()
    # torch_cuda registers LibTorch's CUDA kernels when loaded: nothing of ours references it directly.
    target_link_libraries(${MERBA_CUDA_CORE_TARGET} PUBLIC "-Wl,--push-state,--no-as-needed" ${merba_cuda_libs}
                          "-Wl,--pop-state")
  endif()
  set(MERBA_CUDA_ENABLED ON)
  message(STATUS "MERba: CUDA kernels for architectures ${MERBA_CUDA_ARCHITECTURES} "
                 "(nvcc ${CMAKE_CUDA_COMPILER_VERSION})")
elseif(MERBA_CUDA_COMPILE_CHECK)
  merba_find_nvcc()
  if(NOT CMAKE_CUDA_COMPILER)
    include(CheckLanguage)
    check_language(CUDA)
  endif()
  if(NOT CMAKE_CUDA_COMPILER)
    message(STATUS "MERba: nvcc not found, skipping the compile-only check of the CUDA kernels "
                   "(set CUDACXX to check them, or -DMERBA_CUDA_COMPILE_CHECK=OFF to silence this)")
  else()
    if(NOT CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES ${MERBA_CUDA_CHECK_ARCHITECTURES})
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    # Built with `all` and linked into nothing: a compile error fails the build; no CUDA runtime needed.
    add_library(merba_cuda_compile_check OBJECT ${MERBA_CUDA_KERNEL_SOURCES} ${MERBA_CUDA_BACKEND_SOURCES})
    merba_cuda_kernel_settings(merba_cuda_compile_check "${MERBA_CUDA_CHECK_ARCHITECTURES}")
    target_include_directories(merba_cuda_compile_check SYSTEM PRIVATE ${CUDAToolkit_INCLUDE_DIRS})
    target_link_libraries(merba_cuda_compile_check PRIVATE merba::torch)
    # A CPU wheel's headers lack the generated c10/cuda/impl/cuda_cmake_macros.h (Windows export macros).
    target_compile_definitions(merba_cuda_compile_check PRIVATE C10_CUDA_NO_CMAKE_CONFIGURE_FILE)
    target_compile_options(merba_cuda_compile_check PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)
    set(MERBA_CUDA_TOOLKIT_INCLUDE_DIRS ${CUDAToolkit_INCLUDE_DIRS})
    message(STATUS "MERba: compile-only check of the CUDA sources with nvcc ${CMAKE_CUDA_COMPILER_VERSION} "
                   "(sm_${MERBA_CUDA_CHECK_ARCHITECTURES}; not a CUDA build)")
  endif()
endif()
