# Where the build keeps what it fetched once (LibTorch's headers from the wheel, Gloo's headers): -DMERBA_CACHE_DIR,
# else the environment's MERBA_CACHE_DIR, else $XDG_CACHE_HOME/merba, else ~/.cache/merba.
#
#   merba_cache_dir(<out_var>)
#   merba_first_set(<out_var> <candidate>...)   the first non-empty candidate, else "" (e.g. a -D setting, then
#                                               the environment variable of the same name)

include_guard(GLOBAL)

function(merba_cache_dir out_var)
  if(NOT "${MERBA_CACHE_DIR}" STREQUAL "")
    set(${out_var} "${MERBA_CACHE_DIR}" PARENT_SCOPE)
  elseif(DEFINED ENV{MERBA_CACHE_DIR} AND NOT "$ENV{MERBA_CACHE_DIR}" STREQUAL "")
    set(${out_var} "$ENV{MERBA_CACHE_DIR}" PARENT_SCOPE)
  elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
    set(${out_var} "$ENV{XDG_CACHE_HOME}/merba" PARENT_SCOPE)
  else()
    set(${out_var} "$ENV{HOME}/.cache/merba" PARENT_SCOPE)
  endif()
endfunction()

function(merba_first_set out)
  foreach(candidate IN LISTS ARGN)
    if(NOT "${candidate}" STREQUAL "")
      set(${out} "${candidate}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()
