#pragma once
// Fd: owns one file descriptor; move-only; closes in its destructor (ccache util::Fd).
// Functions that create descriptors return Result<Fd>, so a leak is a type error.

#include "util/error.hpp"

#include <utility>

namespace shelltrail::util {

class Fd
{
public:
  Fd() = default;
  explicit Fd(int fd);
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept;
  Fd& operator=(Fd&& other) noexcept;
  ~Fd();

  int get() const;
  explicit operator bool() const;
  // Gives up ownership and returns the descriptor (-1 if none).
  int release();
  // Closes now and reports failure (EIO after a delayed write error is data loss).
  Result<void> close();

private:
  int m_fd = -1;
};

// --- Inline implementations ---

inline Fd::Fd(int fd) : m_fd(fd) {}

inline Fd::Fd(Fd&& other) noexcept : m_fd(other.release()) {}

inline Fd& Fd::operator=(Fd&& other) noexcept
{
  if (this != &other) {
    (void)close();
    m_fd = other.release();
  }
  return *this;
}

inline Fd::~Fd()
{
  (void)close();
}

inline int Fd::get() const
{
  return m_fd;
}

inline Fd::operator bool() const
{
  return m_fd != -1;
}

inline int Fd::release()
{
  return std::exchange(m_fd, -1);
}

} // namespace shelltrail::util
