# Warnings, sanitizers and ccache, applied to every Longview target.

find_program(LONGVIEW_CCACHE ccache)
if(LONGVIEW_CCACHE)
    set(CMAKE_C_COMPILER_LAUNCHER ${LONGVIEW_CCACHE})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${LONGVIEW_CCACHE})
    set(CMAKE_CUDA_COMPILER_LAUNCHER ${LONGVIEW_CCACHE})
    message(STATUS "ccache: ${LONGVIEW_CCACHE}")
endif()

add_library(longview_warnings INTERFACE)
target_compile_options(longview_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-unused-parameter>)

if(LONGVIEW_SANITIZE)
    set(_lv_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    # Quoted so that the list stays one generator expression.
    add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_lv_san}>")
    add_link_options(${_lv_san})
endif()
