#include "util/file.hpp"

#include <fcntl.h>
#include <sys/file.h>
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

namespace {

Result<void> make_directory(const std::string& path, unsigned mode)
{
  if (::mkdir(path.c_str(), mode) == 0) {
    (void)::chmod(path.c_str(), mode); // mkdir's mode went through the umask
    return {};
  }
  const int error = errno;
  struct stat st
  {};
  if (error == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return {};
  }
  return fail(Error::from_errno(error, "cannot create directory " + path));
}

} // namespace

Result<void> make_directories(const std::string& path, unsigned mode)
{
  for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string parent = path.substr(0, slash);
    struct stat st
    {};
    if (::stat(parent.c_str(), &st) != 0) {
      ST_TRY(make_directory(parent, mode));
    }
  }
  return make_directory(path, mode);
}

bool is_locked_exclusively(int fd)
{
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    (void)::flock(fd, LOCK_UN);
    return false;
  }
  return errno == EWOULDBLOCK;
}

} // namespace shelltrail::util
