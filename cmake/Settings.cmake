# st_settings: what every own target compiles with (never linked by third-party code).
add_library(st_settings INTERFACE)
target_compile_features(st_settings INTERFACE cxx_std_20)
target_include_directories(st_settings INTERFACE "${PROJECT_SOURCE_DIR}/src")
target_compile_definitions(st_settings INTERFACE ST_VERSION="${PROJECT_VERSION}" _FILE_OFFSET_BITS=64)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}" CACHE STRING "" FORCE)
endif()
