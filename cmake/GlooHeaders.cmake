# Gloo's headers, which c10d's ProcessGroupGloo.hpp includes.
#
# LibTorch carries Gloo compiled in (libtorch_cpu exports c10d::ProcessGroupGloo), but neither the bytedeco jars nor
# the torch wheel ship Gloo's headers. We only name Gloo types through pointers (the transport device, the store
# adapter that LibTorch builds itself) and call nothing inline that touches their layout, so any Gloo release's
# headers declare what we use; Debian's libgloo-dev package is the one a build can always fetch. This module finds
# them, or downloads that package (checked against its SHA-256), extracts only usr/include/gloo and caches it.
#
#   merba_gloo_headers(<out_include_dir>)   sets <out_include_dir> to a folder holding gloo/, or "" when there is
#                                          none and none could be fetched (the caller decides what that means)
#
# Overrides, in order: -DMERBA_GLOO_INCLUDE_DIR / env MERBA_GLOO_INCLUDE_DIR (a folder holding gloo/), an installed
# libgloo-dev (/usr/include/gloo), the cache (-DMERBA_CACHE_DIR / env MERBA_CACHE_DIR, default ~/.cache/merba).

include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/MerbaCache.cmake)

set(MERBA_GLOO_DEB_URL
    "http://deb.debian.org/debian/pool/main/g/gloo/libgloo-dev_0.0~git20220518.5b14351-3_amd64.deb"
    CACHE STRING "Debian package with Gloo's headers")
set(MERBA_GLOO_DEB_SHA256 "80529c9fd8af452faf489e686b94bf87075965c40673803810c4f41634b1e299"
    CACHE STRING "SHA-256 of MERBA_GLOO_DEB_URL")

function(_merba_has_gloo dir out)
  if(EXISTS "${dir}/gloo/rendezvous/store.h" AND EXISTS "${dir}/gloo/transport/device.h")
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(merba_gloo_headers out_var)
  merba_first_set(explicit "${MERBA_GLOO_INCLUDE_DIR}" "$ENV{MERBA_GLOO_INCLUDE_DIR}")
  if(NOT explicit STREQUAL "")
    _merba_has_gloo("${explicit}" ok)
    if(NOT ok)
      message(FATAL_ERROR "MERBA_GLOO_INCLUDE_DIR='${explicit}' holds no gloo/rendezvous/store.h")
    endif()
    set(${out_var} "${explicit}" PARENT_SCOPE)
    return()
  endif()
  _merba_has_gloo("/usr/include" system_gloo)
  if(system_gloo)
    set(${out_var} "/usr/include" PARENT_SCOPE)
    return()
  endif()

  merba_cache_dir(cache_dir)
  string(SUBSTRING "${MERBA_GLOO_DEB_SHA256}" 0 12 short_hash)
  set(root "${cache_dir}/gloo-headers-${short_hash}")
  if(EXISTS "${root}/.complete")
    set(${out_var} "${root}/usr/include" PARENT_SCOPE)
    return()
  endif()

  message(STATUS "Gloo headers: downloading ${MERBA_GLOO_DEB_URL}")
  set(work "${root}.partial")
  file(REMOVE_RECURSE "${work}")
  file(MAKE_DIRECTORY "${work}")
  file(DOWNLOAD "${MERBA_GLOO_DEB_URL}" "${work}/gloo.deb" STATUS status TIMEOUT 120)
  list(GET status 0 code)
  if(code EQUAL 0)
    file(SHA256 "${work}/gloo.deb" downloaded_hash)
    if(NOT downloaded_hash STREQUAL MERBA_GLOO_DEB_SHA256)
      set(status "SHA-256 ${downloaded_hash}, expected ${MERBA_GLOO_DEB_SHA256}")
      set(code 1)
    endif()
  endif()
  if(NOT code EQUAL 0)
    # Behind a proxy apt may reach the archive where a plain download does not: ask it for the same version.
    find_program(MERBA_APT_GET apt-get)
    if(MERBA_APT_GET)
      message(STATUS "Gloo headers: download failed (${status}); trying apt-get download")
      execute_process(COMMAND "${MERBA_APT_GET}" download "libgloo-dev=0.0~git20220518.5b14351-3"
                      WORKING_DIRECTORY "${work}" RESULT_VARIABLE apt_rc OUTPUT_QUIET ERROR_QUIET)
      file(GLOB fetched "${work}/libgloo-dev_*.deb")
      if(apt_rc EQUAL 0 AND fetched)
        file(SHA256 "${fetched}" fetched_hash)
        if(fetched_hash STREQUAL MERBA_GLOO_DEB_SHA256)
          file(RENAME "${fetched}" "${work}/gloo.deb")
          set(code 0)
        endif()
      endif()
    endif()
  endif()
  if(NOT code EQUAL 0)
    file(REMOVE_RECURSE "${work}")
    message(WARNING "Gloo headers: could not download ${MERBA_GLOO_DEB_URL} (${status}). Install Debian's "
            "libgloo-dev or pass -DMERBA_GLOO_INCLUDE_DIR=<folder holding gloo/> for multi-process training.")
    set(${out_var} "" PARENT_SCOPE)
    return()
  endif()
  # A .deb is an ar archive holding data.tar.*; CMake's archive support reads both.
  execute_process(COMMAND "${CMAKE_COMMAND}" -E tar xf gloo.deb WORKING_DIRECTORY "${work}" RESULT_VARIABLE rc1)
  file(GLOB data_tar "${work}/data.tar.*")
  set(rc2 1)
  if(rc1 EQUAL 0 AND data_tar)
    execute_process(COMMAND "${CMAKE_COMMAND}" -E tar xf "${data_tar}" ./usr/include WORKING_DIRECTORY "${work}"
                    RESULT_VARIABLE rc2)
  endif()
  _merba_has_gloo("${work}/usr/include" ok)
  if(NOT rc2 EQUAL 0 OR NOT ok)
    message(FATAL_ERROR "Gloo headers: ${work}/gloo.deb did not unpack to usr/include/gloo")
  endif()
  file(GLOB leftovers "${work}/*.tar.*" "${work}/debian-binary")
  file(REMOVE "${work}/gloo.deb" ${leftovers})
  file(REMOVE_RECURSE "${root}")
  file(RENAME "${work}" "${root}")
  file(TOUCH "${root}/.complete")
  set(${out_var} "${root}/usr/include" PARENT_SCOPE)
endfunction()
