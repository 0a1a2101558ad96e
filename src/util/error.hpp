#pragma once
// Error: an expected failure (bad bytes, missing file, full disk, bad config) with a kind that
// drives exit codes and policy, and a context chain read from the user's action down to the cause.
// Used by every library through tl::expected<T, Error> and the ST_TRY macros.

#include <fmt/core.h>
#include <tl/expected.hpp>

#include <string>
#include <string_view>
#include <system_error>

namespace shelltrail::util {

enum class ErrorKind {
  io,         // a system call failed (disk full, EIO, ...)
  not_found,  // no such file, session or key
  permission, // EACCES, EPERM
  corrupt,    // bytes that break the format's rules (altered or damaged)
  truncated,  // the data ends early (a torn write)
  config,     // a bad configuration value or option
  usage,      // a bad command line
  unsupported // a format version or feature this build does not know
};

// The lowercase name of a kind ("io", "corrupt", ...), for logs and JSON.
std::string_view to_string(ErrorKind kind);

class Error
{
public:
  Error(ErrorKind kind, std::string message);

  // An io/not_found/permission error for a failed system call, from an errno value captured
  // immediately after the call: "<what>: <strerror>".
  static Error from_errno(int errno_value, std::string_view what);

  ErrorKind kind() const;
  // The full message: outer contexts first, the cause last, joined by ": ".
  const std::string& message() const;
  // Adds an outer context ("reading chunk 3 at offset 40960"); returns *this for chaining.
  Error& with_context(std::string_view context) &;
  Error&& with_context(std::string_view context) &&;

private:
  ErrorKind m_kind;
  std::string m_message;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Shorthand for returning an error: `return fail(ErrorKind::corrupt, "bad magic at {}", offset);`
template <typename... Args>
tl::unexpected<Error> fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args)
{
  return tl::unexpected<Error>(Error(kind, fmt::format(format, std::forward<Args>(args)...)));
}

inline tl::unexpected<Error> fail(Error error)
{
  return tl::unexpected<Error>(std::move(error));
}

} // namespace shelltrail::util

// NOLINTBEGIN(bugprone-macro-parentheses): lhs in ST_TRY_ASSIGN is a declaration.

// ST_TRY(expr): evaluates a Result; on error returns the error from the enclosing function.
#define ST_TRY(expression)                                                                         \
  do {                                                                                             \
    auto st_try_result_ = (expression);                                                            \
    if (!st_try_result_) [[unlikely]] {                                                            \
      return ::tl::unexpected<::shelltrail::util::Error>(std::move(st_try_result_).error());       \
    }                                                                                              \
  } while (false)

// ST_TRY_CONTEXT(expr, context...): like ST_TRY, adding a formatted outer context to the error.
#define ST_TRY_CONTEXT(expression, ...)                                                            \
  do {                                                                                             \
    auto st_try_result_ = (expression);                                                            \
    if (!st_try_result_) [[unlikely]] {                                                            \
      return ::tl::unexpected<::shelltrail::util::Error>(                                          \
          std::move(st_try_result_).error().with_context(::fmt::format(__VA_ARGS__)));             \
    }                                                                                              \
  } while (false)

#define ST_TRY_CONCAT_INNER_(a, b) a##b
#define ST_TRY_CONCAT_(a, b) ST_TRY_CONCAT_INNER_(a, b)

// ST_TRY_ASSIGN(lhs, expr): `ST_TRY_ASSIGN(auto reader, RecordingReader::open(path));`
#define ST_TRY_ASSIGN(lhs, expression)                                                             \
  ST_TRY_ASSIGN_IMPL_(ST_TRY_CONCAT_(st_try_tmp_, __LINE__), lhs, expression)
#define ST_TRY_ASSIGN_IMPL_(tmp, lhs, expression)                                                  \
  auto tmp = (expression);                                                                         \
  if (!tmp) [[unlikely]] {                                                                         \
    return ::tl::unexpected<::shelltrail::util::Error>(std::move(tmp).error());                    \
  }                                                                                                \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
