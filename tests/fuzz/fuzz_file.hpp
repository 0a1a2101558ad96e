#pragma once
// MemoryFile: puts fuzz input in an anonymous in-memory file with a path, because the reader
// opens recordings by path.

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace shelltrail::fuzz {

class MemoryFile
{
public:
  MemoryFile(const std::uint8_t* data, std::size_t size)
      : m_fd(memfd_create("fuzz-recording", MFD_CLOEXEC))
  {
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = write(m_fd, data + done, size - done);
      if (n <= 0) {
        break;
      }
      done += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile()
  {
    close(m_fd);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  std::string path() const
  {
    return "/proc/self/fd/" + std::to_string(m_fd);
  }

private:
  int m_fd;
};

} // namespace shelltrail::fuzz
