# Where the build keeps what it fetched once (LibTorch's headers from the wheel, Gloo's headers): -DMERBA_CACHE_DIR,
# else the environment's MERBA_CACHE_DIR, else $XDG_CACHE_HOME/merba, else ~/.cache/merba.
#
#   merba_cache_dir(<out_var>)

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
