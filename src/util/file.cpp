#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace shelltrail::util {

Result<Fd> open_file(const std::string& path, int flags, unsigned mode)
{
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd == -1 && errno == EINTR);
  if (fd == -1) {
    return fail(Error::from_errno(errno, path));
  }
  return Fd(fd);
}

Result<std::size_t> read_at(const Fd& fd, std::uint64_t offset, std::span<std::byte> buffer)
{
  return read_at(fd.get(), offset, buffer);
}

Result<std::size_t> read_at(int fd, std::uint64_t offset, std::span<std::byte> buffer)
{
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n =
        ::pread(fd, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
    if (n == 0) {
      break;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(Error::from_errno(errno, "read"));
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Result<void> write_all(const Fd& fd, std::span<const std::byte> bytes)
{
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(Error::from_errno(errno, "write"));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<std::uint64_t> file_size(const Fd& fd)
{
  struct stat st
  {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(Error::from_errno(errno, "fstat"));
  }
  return static_cast<std::uint64_t>(st.st_size);
}

Result<void> sync_data(const Fd& fd)
{
  if (::fdatasync(fd.get()) != 0) {
    return fail(Error::from_errno(errno, "fdatasync"));
  }
  return {};
}

Result<std::string> read_file(const std::string& path)
{
  ST_TRY_ASSIGN(Fd fd, open_file(path, O_RDONLY));
  std::string content;
  std::byte buffer[16384];
  for (;;) {
    ST_TRY_ASSIGN(const std::size_t n, read_at(fd, content.size(), buffer));
    if (n == 0) {
      break;
    }
    content.append(reinterpret_cast<const char*>(buffer), n);
  }
  return content;
}

} // namespace shelltrail::util
