# st_warnings: the warning set for our own code.
add_library(st_warnings INTERFACE)
target_compile_options(st_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
  -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(ST_WARNINGS_AS_ERRORS)
  target_compile_options(st_warnings INTERFACE -Werror)
endif()
