# embed_files(TARGET NAMESPACE ns FILES globs...)
# Compiles the matched files into a static library as byte arrays with a lookup table
# (see the generated embedded/files.h), so the binary needs no file on disk at run time.
function(embed_files target)
  cmake_parse_arguments(EMBED "" "NAMESPACE" "FILES" ${ARGN})
  file(GLOB embed_paths CONFIGURE_DEPENDS ${EMBED_FILES})
  list(SORT embed_paths)
  set(out_dir ${CMAKE_BINARY_DIR}/generated/embedded)
  set(out_cpp ${out_dir}/${target}.cpp)
  file(MAKE_DIRECTORY ${out_dir})
  configure_file(${CMAKE_SOURCE_DIR}/cmake/embedded_files.h.in ${out_dir}/files.h @ONLY)
  string(REPLACE ";" "|" paths_arg "${embed_paths}")
  add_custom_command(OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DPATHS=${paths_arg} -DROOT=${CMAKE_SOURCE_DIR}
            -DNAMESPACE=${EMBED_NAMESPACE} -DOUT=${out_cpp} -P ${CMAKE_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${embed_paths} ${CMAKE_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "Embedding ${target}"
    VERBATIM)
  add_library(${target} STATIC ${out_cpp})
  target_include_directories(${target} PUBLIC ${CMAKE_BINARY_DIR}/generated)
endfunction()
