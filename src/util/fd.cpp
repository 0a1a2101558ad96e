#include "util/fd.hpp"

#include <unistd.h>

#include <cerrno>

namespace shelltrail::util {

Result<void> Fd::close()
{
  if (m_fd == -1) {
    return {};
  }
  const int fd = std::exchange(m_fd, -1);
  // Linux always releases the descriptor, even when close reports EINTR: never retry.
  if (::close(fd) != 0 && errno != EINTR) {
    return fail(Error::from_errno(errno, "close"));
  }
  return {};
}

} // namespace shelltrail::util
