# CTest install_rule: `cmake --install BUILD_DIR --prefix PREFIX` puts a working mcp-admin in
# PREFIX/bin, and the build's default prefix is /usr/local (so a plain `cmake --install build`
# puts it on the PATH as /usr/local/bin/mcp-admin).
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${PREFIX}" RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
execute_process(COMMAND "${PREFIX}/bin/mcp-admin" --version OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^mcp-admin [0-9]")
  message(FATAL_ERROR "${PREFIX}/bin/mcp-admin --version: ${rc} ${out}")
endif()
file(STRINGS "${BUILD_DIR}/CMakeCache.txt" prefix_line REGEX "^CMAKE_INSTALL_PREFIX:PATH=")
if(NOT prefix_line STREQUAL "CMAKE_INSTALL_PREFIX:PATH=/usr/local")
  message(FATAL_ERROR "the default install prefix is not /usr/local: ${prefix_line}")
endif()
file(REMOVE_RECURSE "${PREFIX}")
message(STATUS "install rule: ${out}")
