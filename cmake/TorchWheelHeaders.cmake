# LibTorch headers from the PyTorch wheel.
#
# The bytedeco pytorch jar ships LibTorch's shared libraries but no headers; the torch wheel of the same
# version ships exactly the headers those libraries were built from. This module finds a wheel (pip's
# configured find-links or index, offline first), extracts only torch/include, and caches the result so
# later builds need neither pip nor the network.
#
#   merba_torch_wheel_headers(<version> <out_include_dir>)
#
# Overrides, in order: -DMERBA_TORCH_INCLUDE_DIR / env MERBA_TORCH_INCLUDE_DIR (a torch/include folder),
# -DMERBA_TORCH_WHEEL / env MERBA_TORCH_WHEEL (a wheel file), -DMERBA_CACHE_DIR / env MERBA_CACHE_DIR
# (where extracted headers are kept; default ~/.cache/merba).

include(${CMAKE_CURRENT_LIST_DIR}/MerbaCache.cmake)

function(_merba_is_torch_include dir out)
  if(EXISTS "${dir}/ATen/ATen.h" AND EXISTS "${dir}/torch/csrc/api/include/torch/version.h")
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(merba_torch_wheel_headers version out_var)
  merba_first_set(explicit_include "${MERBA_TORCH_INCLUDE_DIR}" "$ENV{MERBA_TORCH_INCLUDE_DIR}")
  if(explicit_include)
    _merba_is_torch_include("${explicit_include}" ok)
    if(NOT ok)
      message(FATAL_ERROR "MERBA_TORCH_INCLUDE_DIR='${explicit_include}' is not a LibTorch include folder "
        "(expected ATen/ATen.h and torch/csrc/api/include/torch/version.h inside it).")
    endif()
    set(${out_var} "${explicit_include}" PARENT_SCOPE)
    return()
  endif()

  merba_cache_dir(cache_dir)
  set(headers_root "${cache_dir}/torch-${version}-headers")
  set(include_dir "${headers_root}/torch/include")
  set(marker "${headers_root}/.complete")

  if(NOT EXISTS "${marker}")
    merba_first_set(wheel "${MERBA_TORCH_WHEEL}" "$ENV{MERBA_TORCH_WHEEL}")
    if(NOT wheel)
      _merba_download_wheel("${version}" "${cache_dir}/wheels" wheel)
    endif()
    if(NOT EXISTS "${wheel}")
      message(FATAL_ERROR "MERBA_TORCH_WHEEL='${wheel}' does not exist.")
    endif()
    message(STATUS "Extracting LibTorch ${version} headers from ${wheel} into ${headers_root}")
    find_package(Python3 COMPONENTS Interpreter REQUIRED)
    file(REMOVE_RECURSE "${headers_root}")
    file(MAKE_DIRECTORY "${headers_root}")
    # Only torch/include (~60 MB) is needed, not the whole 700 MB wheel.
    execute_process(
      COMMAND "${Python3_EXECUTABLE}" -c
        "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith('torch/include/')])"
        "${wheel}" "${headers_root}"
      RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "Could not extract headers from ${wheel}: ${err}")
    endif()
    file(TOUCH "${marker}")
  endif()

  _merba_is_torch_include("${include_dir}" ok)
  if(NOT ok)
    message(FATAL_ERROR "The cached LibTorch headers in ${headers_root} are incomplete; delete that folder and rebuild.")
  endif()
  set(${out_var} "${include_dir}" PARENT_SCOPE)
endfunction()

function(_merba_download_wheel version dest out_wheel)
  set(how_to_fix
    "LibTorch ${version} headers are needed and are taken from the torch==${version} wheel.\n"
    "Fix it in one of these ways:\n"
    "  * get the wheel once:   pip download --no-deps torch==${version} -d DIR\n"
    "    then build with       -Dmerba.torch.wheel=DIR/torch-${version}...whl   (or env MERBA_TORCH_WHEEL)\n"
    "  * or use an unpacked LibTorch ${version}: -Dmerba.torch.include=LIBTORCH/include (or env MERBA_TORCH_INCLUDE_DIR)\n")
  find_program(MERBA_PIP NAMES pip3 pip)
  if(NOT MERBA_PIP)
    string(CONCAT msg "pip was not found, so the torch wheel cannot be fetched.\n" ${how_to_fix})
    message(FATAL_ERROR "${msg}")
  endif()
  file(MAKE_DIRECTORY "${dest}")
  # Offline first: pip's configured find-links/indexes often hold the wheel; then pip's normal sources.
  foreach(mode IN ITEMS "--no-index" "")
    file(GLOB found "${dest}/torch-${version}*.whl")
    if(found)
      break()
    endif()
    message(STATUS "Fetching the torch==${version} wheel for its headers (pip download ${mode})")
    execute_process(
      COMMAND "${MERBA_PIP}" download ${mode} --no-deps --only-binary=:all: "torch==${version}" -d "${dest}"
      RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 900)
  endforeach()
  file(GLOB found "${dest}/torch-${version}*.whl")
  if(NOT found)
    string(CONCAT msg "pip could not get torch==${version}: ${err}\n" ${how_to_fix})
    message(FATAL_ERROR "${msg}")
  endif()
  list(GET found 0 wheel)
  set(${out_wheel} "${wheel}" PARENT_SCOPE)
endfunction()
