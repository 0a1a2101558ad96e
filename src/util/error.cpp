#include "util/error.hpp"

#include <cerrno>
#include <cstring>

namespace shelltrail::util {

std::string_view to_string(ErrorKind kind)
{
  switch (kind) {
  case ErrorKind::io:
    return "io";
  case ErrorKind::not_found:
    return "not_found";
  case ErrorKind::permission:
    return "permission";
  case ErrorKind::corrupt:
    return "corrupt";
  case ErrorKind::truncated:
    return "truncated";
  case ErrorKind::config:
    return "config";
  case ErrorKind::usage:
    return "usage";
  case ErrorKind::unsupported:
    return "unsupported";
  }
  return "unknown";
}

Error::Error(ErrorKind kind, std::string message) : m_kind(kind), m_message(std::move(message)) {}

Error Error::from_errno(int errno_value, std::string_view what)
{
  ErrorKind kind = ErrorKind::io;
  if (errno_value == ENOENT || errno_value == ENOTDIR) {
    kind = ErrorKind::not_found;
  } else if (errno_value == EACCES || errno_value == EPERM || errno_value == EROFS) {
    kind = ErrorKind::permission;
  }
  const std::error_code code(errno_value, std::generic_category());
  return Error(kind, fmt::format("{}: {}", what, code.message()));
}

ErrorKind Error::kind() const
{
  return m_kind;
}

const std::string& Error::message() const
{
  return m_message;
}

Error& Error::with_context(std::string_view context) &
{
  m_message = fmt::format("{}: {}", context, m_message);
  return *this;
}

Error&& Error::with_context(std::string_view context) &&
{
  m_message = fmt::format("{}: {}", context, m_message);
  return std::move(*this);
}

} // namespace shelltrail::util
