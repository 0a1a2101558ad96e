#pragma once
// Whole-file and positioned I/O on an Fd: open, read at an offset, write everything, size, sync.
// Every call retries EINTR and loops over partial transfers (mosh swrite).

#include "util/error.hpp"
#include "util/fd.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace shelltrail::util {

// Opens `path` with open(2) flags (O_CLOEXEC is always added). Errors name the path.
Result<Fd> open_file(const std::string& path, int flags, unsigned mode = 0);

// Reads up to buffer.size() bytes at `offset`; returns how many were read (fewer only at EOF).
Result<std::size_t> read_at(const Fd& fd, std::uint64_t offset, std::span<std::byte> buffer);
// The same on a descriptor owned elsewhere.
Result<std::size_t> read_at(int fd, std::uint64_t offset, std::span<std::byte> buffer);

// Writes all of `bytes`, looping over partial writes and EINTR.
Result<void> write_all(const Fd& fd, std::span<const std::byte> bytes);

// The current size of the open file.
Result<std::uint64_t> file_size(const Fd& fd);

// fdatasync(2).
Result<void> sync_data(const Fd& fd);

// Creates directory `path` and its missing parents with `mode` (exactly: not through the umask);
// an existing directory is fine. Errors name the directory that could not be created.
Result<void> make_directories(const std::string& path, unsigned mode);

// Whether another open file holds an exclusive flock(2) on the file behind `fd`: how a recorder
// marks the recording it is writing (recorder/spool.cpp).
bool is_locked_exclusively(int fd);

// Reads a whole (small) file into a string.
Result<std::string> read_file(const std::string& path);

} // namespace shelltrail::util
