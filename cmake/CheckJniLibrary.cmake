# cmake -DLIBRARY=<lib.so> -DEXPECTED_SYMBOLS=<a;b> -DEXPECTED_NEEDED=<liba.so;libb.so> -P CheckJniLibrary.cmake
#
# Fails the build when the JNI library does not export the expected Java_ symbols (JavaCPP links an empty
# library, with only a warning, when it cannot load a class) or does not depend on LibTorch.

foreach(var LIBRARY EXPECTED_SYMBOLS EXPECTED_NEEDED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckJniLibrary.cmake needs -D${var}=...")
  endif()
endforeach()
if(NOT EXISTS "${LIBRARY}")
  message(FATAL_ERROR "JNI library ${LIBRARY} was not built")
endif()

find_program(NM nm REQUIRED)
find_program(READELF readelf REQUIRED)
execute_process(COMMAND "${NM}" -D --defined-only "${LIBRARY}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIBRARY}")
endif()
foreach(symbol IN LISTS EXPECTED_SYMBOLS)
  string(FIND "${symbols}" " T ${symbol}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "${LIBRARY} does not export ${symbol}: was JavaCPP missing a class on its classpath?")
  endif()
endforeach()

execute_process(COMMAND "${READELF}" -d "${LIBRARY}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
foreach(needed IN LISTS EXPECTED_NEEDED)
  string(FIND "${dynamic}" "[${needed}]" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "${LIBRARY} does not depend on ${needed}")
  endif()
endforeach()
list(LENGTH EXPECTED_SYMBOLS n)
message(STATUS "${LIBRARY}: exports the ${n} expected JNI symbols and links ${EXPECTED_NEEDED}")
