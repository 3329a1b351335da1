# Provides the imported target merba::torch (LibTorch headers + libraries) in one of two ways:
#
#  * Bytedeco runtime (the Maven build): MERBA_TORCH_LIBRARY_DIRS lists folders holding the shared
#    libraries unpacked from org.bytedeco:pytorch and org.bytedeco:openblas; the headers come from the
#    matching torch wheel (TorchWheelHeaders.cmake). MERBA_TORCH_VERSION names that version.
#  * Standard LibTorch (any other build, e.g. the GPU machine): find_package(Torch), located through
#    CMAKE_PREFIX_PATH / Torch_DIR as usual (python -c 'import torch; print(torch.utils.cmake_prefix_path)').

include_guard(GLOBAL)

set(MERBA_TORCH_LIBRARY_DIRS "" CACHE STRING "Folders with bytedeco's LibTorch shared libraries (Maven build)")
set(MERBA_TORCH_VERSION "2.13.0" CACHE STRING "LibTorch version of the bytedeco runtime")
set(MERBA_TORCH_INCLUDE_LINK "" CACHE PATH "Optional symbolic link to create to the LibTorch include folder")

add_library(merba_torch INTERFACE)
add_library(merba::torch ALIAS merba_torch)

if(MERBA_TORCH_LIBRARY_DIRS)
  include(${CMAKE_CURRENT_LIST_DIR}/TorchWheelHeaders.cmake)
  merba_torch_wheel_headers("${MERBA_TORCH_VERSION}" torch_include)

  set(torch_libs "")
  foreach(name IN ITEMS torch_cpu c10)
    find_library(MERBA_LIB_${name} NAMES ${name} PATHS ${MERBA_TORCH_LIBRARY_DIRS} NO_DEFAULT_PATH)
    if(NOT MERBA_LIB_${name})
      message(FATAL_ERROR "lib${name}.so not found in MERBA_TORCH_LIBRARY_DIRS='${MERBA_TORCH_LIBRARY_DIRS}'")
    endif()
    list(APPEND torch_libs "${MERBA_LIB_${name}}")
  endforeach()

  # The Maven build hands the same headers to JavaCPP through a link at a fixed place.
  if(MERBA_TORCH_INCLUDE_LINK)
    file(REMOVE "${MERBA_TORCH_INCLUDE_LINK}")
    file(CREATE_LINK "${torch_include}" "${MERBA_TORCH_INCLUDE_LINK}" SYMBOLIC)
  endif()
  target_include_directories(merba_torch SYSTEM INTERFACE
    "${torch_include}" "${torch_include}/torch/csrc/api/include")
  target_link_libraries(merba_torch INTERFACE ${torch_libs})
  # libtorch_cpu needs libopenblas.so.0 from the openblas jar, but its RUNPATH points at bytedeco's build
  # machine, and a RUNPATH takes precedence over anything our binaries say. Naming libopenblas as a direct
  # dependency of our binaries loads it first, from our RUNPATH, and libtorch_cpu then finds it loaded.
  # (In the JVM, JavaCPP's Loader preloads it the same way.)
  find_file(MERBA_LIB_openblas NAMES libopenblas.so.0 PATHS ${MERBA_TORCH_LIBRARY_DIRS} NO_DEFAULT_PATH)
  if(NOT MERBA_LIB_openblas)
    message(FATAL_ERROR "libopenblas.so.0 not found in MERBA_TORCH_LIBRARY_DIRS='${MERBA_TORCH_LIBRARY_DIRS}'")
  endif()
  target_link_libraries(merba_torch INTERFACE "-Wl,--push-state,--no-as-needed" "${MERBA_LIB_openblas}"
                        "-Wl,--pop-state")
  foreach(dir IN LISTS MERBA_TORCH_LIBRARY_DIRS)
    target_link_options(merba_torch INTERFACE "LINKER:-rpath-link,${dir}")
  endforeach()
  set(MERBA_TORCH_RUNTIME_DIRS ${MERBA_TORCH_LIBRARY_DIRS})
  set(MERBA_TORCH_SOURCE "bytedeco ${MERBA_TORCH_VERSION} + wheel headers (${torch_include})")
else()
  find_package(Torch REQUIRED)
  target_link_libraries(merba_torch INTERFACE ${TORCH_LIBRARIES})
  # The Maven build hands the same headers to JavaCPP through a link at a fixed place.
  if(MERBA_TORCH_INCLUDE_LINK)
    file(REMOVE "${MERBA_TORCH_INCLUDE_LINK}")
    file(CREATE_LINK "${torch_include}" "${MERBA_TORCH_INCLUDE_LINK}" SYMBOLIC)
  endif()
  target_include_directories(merba_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  # TORCH_CXX_FLAGS carries the ABI define the libraries were built with.
  separate_arguments(torch_cxx_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(merba_torch INTERFACE ${torch_cxx_flags})
  set(MERBA_TORCH_RUNTIME_DIRS "")
  foreach(lib IN LISTS TORCH_LIBRARIES)
    if(IS_ABSOLUTE "${lib}")
      get_filename_component(dir "${lib}" DIRECTORY)
      list(APPEND MERBA_TORCH_RUNTIME_DIRS "${dir}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES MERBA_TORCH_RUNTIME_DIRS)
  set(MERBA_TORCH_SOURCE "find_package(Torch) ${Torch_VERSION} (${Torch_DIR})")
endif()

# LibTorch's at::parallel_for is inline OpenMP code (AT_PARALLEL_OPENMP): without -fopenmp our
# kernels would silently run on one thread.
find_package(OpenMP REQUIRED COMPONENTS CXX)
target_link_libraries(merba_torch INTERFACE OpenMP::OpenMP_CXX)

message(STATUS "MERba: LibTorch from ${MERBA_TORCH_SOURCE}")
