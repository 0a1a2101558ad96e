#pragma once
// ST_ASSERT: checks our own invariants (never bytes from outside), on in release builds.
// A failure prints file, line and function and aborts (ccache ASSERT, mosh fatal_assert).

namespace shelltrail::util {

[[noreturn]] void
assertion_failed(const char* expression, const char* file, int line, const char* function) noexcept;

} // namespace shelltrail::util

#define ST_ASSERT(condition)                                                                       \
  do {                                                                                             \
    if (!(condition)) [[unlikely]] {                                                               \
      ::shelltrail::util::assertion_failed(#condition, __FILE__, __LINE__, __func__);              \
    }                                                                                              \
  } while (false)

#ifdef NDEBUG
#  define ST_DEBUG_ASSERT(condition) ((void)0)
#else
#  define ST_DEBUG_ASSERT(condition) ST_ASSERT(condition)
#endif
