# The CUDA backend is optional: without nvcc the project configures CPU-only.
# Sets LONGVIEW_HAVE_CUDA.

set(LONGVIEW_HAVE_CUDA OFF)
if(LONGVIEW_ENABLE_CUDA)
    include(CheckLanguage)
    check_language(CUDA)
    if(CMAKE_CUDA_COMPILER)
        # Desktop and workstation GPUs people own: Ampere, Ampere consumer, Ada,
        # Hopper, Blackwell consumer. Narrow it with -DCMAKE_CUDA_ARCHITECTURES=90.
        if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
            set(CMAKE_CUDA_ARCHITECTURES 80 86 89 90 120)
        endif()
        enable_language(CUDA)
        # CMake 3.25 knows no C++20 flag for nvcc; the .cu files need only C++17.
        set(CMAKE_CUDA_STANDARD 17)
        set(CMAKE_CUDA_STANDARD_REQUIRED ON)
        find_package(CUDAToolkit REQUIRED)
        set(LONGVIEW_HAVE_CUDA ON)
        message(STATUS "CUDA ${CMAKE_CUDA_COMPILER_VERSION}, architectures: ${CMAKE_CUDA_ARCHITECTURES}")
    else()
        message(STATUS "nvcc not found (looked in PATH and /usr/local/cuda): "
                       "building the CPU backend only")
    endif()
else()
    message(STATUS "CUDA disabled by LONGVIEW_ENABLE_CUDA=OFF: building the CPU backend only")
endif()
