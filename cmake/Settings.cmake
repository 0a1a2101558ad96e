# st_settings: what every own target compiles with (never linked by third-party code).
add_library(st_settings INTERFACE)
target_compile_features(st_settings INTERFACE cxx_std_20)
target_include_directories(st_settings INTERFACE "${PROJECT_SOURCE_DIR}/src")
target_compile_definitions(st_settings INTERFACE ST_VERSION="${PROJECT_VERSION}" _FILE_OFFSET_BITS=64)

# Unused functions out of the executables: the recorder's resident memory is mostly the code
# pages it touches (the kernel maps them 64 KiB at a time), so less code means less memory —
# 8.8 MB peak to 4.8 MB together with avoiding OpenSSL's EVP layer (format/sha256.cpp).
if(NOT ST_FUZZ)
  add_compile_options(-ffunction-sections -fdata-sections)
  add_link_options(-Wl,--gc-sections)
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}" CACHE STRING "" FORCE)
endif()
