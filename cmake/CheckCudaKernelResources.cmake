# What nvcc made of the short-sequence scan kernels, checked without a GPU (CTest cuda_kernel_resources):
# the SIMT emulator runs the kernels' source, but only the compiler decides registers, local memory and the width
# of each shared-memory access, which the kernels' design depends on. For each short kernel in float, half and
# bfloat16 (double is for gradcheck only):
#  * the forward uses no local memory (no stack frame, no spills): its state lives in registers;
#  * the backward spills nothing, and its stack frame holds at most the state checkpoints (N² floats: one state
#    of N every 64/N steps of L ≤ 64), which it indexes by segment at run time;
#  * every tile is moved through shared memory in 16-byte pieces (scan_short_tile.cuh; the emulator test's bank
#    counts assume so): one 16-byte shared store per piece of each tile loaded — forward u, delta, z, B, C;
#    backward u, delta, z, the output gradient, B, C — and one 16-byte shared load per piece of each tile
#    written out — forward the output; backward du, ddelta, dz. A piece is 16 bytes of float: one per pack in
#    float, two in half precision (a 16-byte pack of 8 halves widens to 32 bytes). In float the stores are
#    asynchronous copies (cp.async.cg, 16 bytes, no register in between) and no st.shared.v4 is left; B and C have a
#    second such copy for x_proj's views whose rows are 16-byte aligned (MERba's: load_rows_in_pieces). Half
#    precision copies each tile's raw packs by cp.async too, then widens them in place in 16-byte pieces (unrolled,
#    so only lower bounds are checked there). The loads are lower bounds too: each step's rows of B and C are read
#    as 16-byte loads as well. Each kernel comes in both layouts of u, delta and z (length-major, channels-last);
#    channels-last, only B and C are 16-byte tiles (the forward stages nothing else; the backward's rows go a thread
#    per channel, element by element, which the emulator test checks for bank conflicts).
# Writes the table to ${WORK_DIR}/kernel-resources.txt and prints it.
#
#   cmake -DNVCC=/path/to/nvcc -DSOURCE_DIR=<native> -DARCH=90 -DWORK_DIR=<dir> -P CheckCudaKernelResources.cmake
# (one architecture: ARCH=90 checks sm_90). -DINCLUDE_FIRST=<dir> puts a directory before SOURCE_DIR on the include
# path: how a mutated copy of a kernel header (cuda/<header> under it) replaces the original.
cmake_minimum_required(VERSION 3.20)
foreach(var NVCC SOURCE_DIR ARCH WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckCudaKernelResources: -D${var}=… is required")
  endif()
endforeach()

set(failures "")
string(CONCAT table "kernel | registers | stack frame | spill stores | spill loads | "
                   "16-byte shared ld/st (of which cp.async) | 16-byte global st | local ld/st\n")
set(dtypes f 6__half 13__nv_bfloat16)

foreach(unit scan_forward scan_backward)
  set(keep "${WORK_DIR}/${unit}")
  file(REMOVE_RECURSE "${keep}")
  file(MAKE_DIRECTORY "${keep}")
  set(include_first "")
  if(INCLUDE_FIRST)
    set(include_first -I "${INCLUDE_FIRST}")
  endif()
  execute_process(
    COMMAND "${NVCC}" -O3 -DNDEBUG -std=c++17 -arch=sm_${ARCH} -cubin -Xptxas=-v --keep --keep-dir "${keep}"
            ${include_first} -I "${SOURCE_DIR}" "${SOURCE_DIR}/cuda/${unit}.cu" -o "${keep}/${unit}.cubin"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nvcc failed on ${unit}.cu:\n${out}${err}")
  endif()
  file(GLOB ptx_files "${keep}/*.ptx")
  list(LENGTH ptx_files count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one PTX file from ${unit}.cu, found ${count}: ${ptx_files}")
  endif()
  file(READ "${ptx_files}" ptx)
  set(log "${out}${err}")
  string(REPLACE ";" "," log "${log}")  # keep the log one CMake string
  string(REPLACE "\n" ";" lines "${log}")

  if(unit STREQUAL "scan_forward")
    set(kernel scan_short_forward_kernel)
  else()
    set(kernel scan_short_backward_kernel)
  endif()
  foreach(dtype IN LISTS dtypes)
    foreach(n 8 16)
      foreach(channels_last 0 1)
        string(LENGTH "${kernel}" name_length)
        set(mangled "_ZN5merba4cuda${name_length}${kernel}I${dtype}Li${n}ELb${channels_last}EEEvNS0_10ScanParams")
        # ptxas: "Compiling entry function 'NAME'", then "N bytes stack frame, …", then "Used R registers".
        set(state 0)
        foreach(var registers stack spill_stores spill_loads)
          set(${var} "")
        endforeach()
        foreach(line IN LISTS lines)
          if(line MATCHES "Compiling entry function '${mangled}")
            set(state 1)
          elseif(state EQUAL 1 AND line MATCHES
                 "([0-9]+) bytes stack frame, ([0-9]+) bytes spill stores, ([0-9]+) bytes spill loads")
            set(stack ${CMAKE_MATCH_1})
            set(spill_stores ${CMAKE_MATCH_2})
            set(spill_loads ${CMAKE_MATCH_3})
          elseif(state EQUAL 1 AND line MATCHES "Used ([0-9]+) registers")
            set(registers ${CMAKE_MATCH_1})
            break()
          endif()
        endforeach()
        string(REGEX REPLACE "^[0-9]+__(nv_)?" "" type "${dtype}")
        if(type STREQUAL "f")
          set(type float)
        endif()
        set(label "${kernel}<${type}, ${n}>")
        if(channels_last)
          set(label "${kernel}<${type}, ${n}, channels-last>")
        endif()
        if(registers STREQUAL "" OR stack STREQUAL "" OR spill_stores STREQUAL "" OR spill_loads STREQUAL "")
          list(APPEND failures
               "${label}: its registers, stack frame or spills are not in ptxas's report (format changed?)")
          continue()
        endif()

        # The kernel's PTX: from its .entry to the next one.
        string(FIND "${ptx}" ".entry ${mangled}" begin)
        if(begin EQUAL -1)
          list(APPEND failures "${label}: not in the PTX")
          continue()
        endif()
        string(SUBSTRING "${ptx}" ${begin} -1 body)
        string(SUBSTRING "${body}" 1 -1 rest)
        string(FIND "${rest}" ".entry " end)
        if(NOT end EQUAL -1)
          string(SUBSTRING "${body}" 0 ${end} body)
        endif()
        string(REGEX MATCHALL "(ld|st)\\.local" local "${body}")
        string(REGEX MATCHALL "st\\.shared\\.v4" wide_stores "${body}")
        string(REGEX MATCHALL "cp\\.async\\.cg\\.shared\\.global" async_stores "${body}")  # .cg: 16 bytes only
        string(REGEX MATCHALL "ld\\.shared\\.v4" wide_loads "${body}")
        string(REGEX MATCHALL "st\\.global\\.v4" global_stores "${body}")
        list(LENGTH global_stores global_store_count)
        list(LENGTH local local_count)
        list(LENGTH wide_stores register_store_count)
        list(LENGTH async_stores async_store_count)
        math(EXPR wide_store_count "${register_store_count} + ${async_store_count}")
        list(LENGTH wide_loads wide_load_count)
        string(APPEND table "${label} | ${registers} | ${stack} | ${spill_stores} | ${spill_loads} | "
                            "${wide_load_count}/${wide_store_count} (${async_store_count}) | ${global_store_count} | "
                            "${local_count}\n")

        # A tripwire on the occupancy of the channels-last float N = 8 forward (MERba's): within 80 registers 24 warps
        # fit per SM (a warp takes 2,560 of a sub-partition's 16,384), and ptxas's choice without a bound is 78.
        # Bounding it to 64 (32 warps) spills. One wave of MERba's (2048, 32, 49, 8), 15.5 warps per SM of an H200's
        # 132, would still fit at 128; the check is there so that a change that costs occupancy says so (docs/gpu.md).
        if(channels_last AND kernel STREQUAL "scan_short_forward_kernel" AND dtype STREQUAL "f" AND n EQUAL 8
           AND registers GREATER 80)
          list(APPEND failures "${label}: ${registers} registers, more than the 80 that 24 resident warps per SM allow")
        endif()
        if(spill_stores GREATER 0 OR spill_loads GREATER 0)
          list(APPEND failures "${label}: spills ${spill_stores} bytes, reloads ${spill_loads}")
        endif()
        if(kernel STREQUAL "scan_short_forward_kernel")
          if(stack GREATER 0 OR local_count GREATER 0)
            list(APPEND failures "${label}: ${stack}-byte stack frame, ${local_count} local accesses (expected none)")
          endif()
        else()
          math(EXPR checkpoints "4 * ${n} * ${n}")
          if(stack GREATER checkpoints)
            list(APPEND failures
                 "${label}: ${stack}-byte stack frame, more than the ${checkpoints} bytes of checkpoints")
          endif()
        endif()
        # Tiles loaded (forward u, delta, z, B, C; backward also the output gradient) and written out (forward the
        # output; backward du, ddelta, dz). Channels-last, only B and C move in 16-byte pieces: the forward has no other
        # tiles (it reads u, delta, z and writes its output in the step loop); the backward's per-channel rows go a
        # thread per channel, element by element, in and out. (Their element copies are not counted: B and C's own
        # scalar paths make the PTX count of 4-byte cp.async a bound that could not fail.)
        if(kernel STREQUAL "scan_short_forward_kernel")
          set(tiles_in 5)
          set(tiles_out 1)
        else()
          set(tiles_in 6)
          set(tiles_out 3)
        endif()
        if(channels_last)
          set(tiles_in 2)
          set(tiles_out 0)
        endif()
        # The kernels also read each step's rows of B and C as 16-byte loads (load_aligned_row; in loops that the
        # compiler unrolls differently per kernel), so the shared loads are checked as lower bounds, and the write-out
        # by its 16-byte global stores: two per tile written out (store_rows has a 16-byte path for unpadded tiles
        # and one for padded rows), and in the backward dA's row, N/4 of them (store_thread_row).
        math(EXPR want_global_stores "2 * ${tiles_out}")
        if(kernel STREQUAL "scan_short_backward_kernel")
          math(EXPR want_global_stores "${want_global_stores} + ${n} / 4")
        endif()
        if(NOT global_store_count EQUAL want_global_stores)
          string(CONCAT failure "${label}: ${global_store_count} 16-byte global stores in its PTX, expected "
                                "${want_global_stores} (a tile's write-out went scalar, or the tiles changed)")
          list(APPEND failures "${failure}")
        endif()
        if(dtype STREQUAL "f")
          # Each tile loaded by one 16-byte cp.async and nothing else, B and C by a second one too (contiguous (L, N)
          # rows, or x_proj's views with 16-byte aligned rows: load_rows_in_pieces); each written out by one 16-byte
          # shared load.
          math(EXPR tiles_in "${tiles_in} + 2")
          if(NOT async_store_count EQUAL tiles_in OR NOT register_store_count EQUAL 0
             OR wide_load_count LESS tiles_out)
            string(CONCAT failure "${label}: ${wide_store_count} 16-byte shared stores (${async_store_count} of them "
                                  "cp.async) and ${wide_load_count} loads in its PTX, expected ${tiles_in} "
                                  "(all cp.async) and at least ${tiles_out} (a tile went scalar, or the tiles changed)")
            list(APPEND failures "${failure}")
          endif()
        else()
          # Each tile's raw packs by one 16-byte cp.async, then widened in 16-byte pieces (two per pack, in several
          # unrolled loops: at least two stores per tile); each tile written out reads two 16-byte pieces per pack, and
          # the widening reads the raw packs back (at least one load per tile loaded).
          math(EXPR min_stores "${tiles_in} + 2 * ${tiles_in}")
          math(EXPR min_loads "2 * ${tiles_out} + ${tiles_in}")
          if(NOT async_store_count EQUAL tiles_in OR wide_store_count LESS min_stores OR wide_load_count LESS min_loads)
            string(CONCAT failure "${label}: ${wide_store_count} 16-byte shared stores (${async_store_count} of them "
                                  "cp.async) and ${wide_load_count} loads in its PTX, expected ${tiles_in} cp.async, "
                                  "at least ${min_stores} and ${min_loads} (a tile went scalar, or the tiles changed)")
            list(APPEND failures "${failure}")
          endif()
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()

file(WRITE "${WORK_DIR}/kernel-resources.txt" "${table}")
message("${table}")
if(failures)
  # One unwrapped line per failure (FATAL_ERROR rewraps its text), which the mutant's test matches.
  foreach(failure IN LISTS failures)
    message("FAILED: ${failure}")
  endforeach()
  list(LENGTH failures count)
  message(FATAL_ERROR "${count} checks of the short scan kernels failed, as nvcc built them for sm_${ARCH}")
endif()
