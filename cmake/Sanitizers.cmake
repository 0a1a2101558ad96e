# ST_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer for the whole tree (own code and tests).
# ST_FUZZ: instrument for libFuzzer as well; the fuzz targets themselves link -fsanitize=fuzzer.
if(ST_SANITIZE)
  set(st_san_flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${st_san_flags})
  add_link_options(${st_san_flags})
endif()
if(ST_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ST_FUZZ needs clang (configure with -DCMAKE_CXX_COMPILER=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
