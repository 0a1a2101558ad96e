#include "util/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace shelltrail::util {

void assertion_failed(const char* expression,
                      const char* file,
                      int line,
                      const char* function) noexcept
{
  std::fprintf(stderr,
               "shelltrail: internal error: assertion failed: %s (%s:%d, %s)\n"
               "This is a bug in shelltrail; please report it.\n",
               expression,
               file,
               line,
               function);
  std::abort();
}

} // namespace shelltrail::util
