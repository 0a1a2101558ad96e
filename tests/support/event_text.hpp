#pragma once
// Owned, comparable copies of events (an Event only views the reader's buffer), and helpers to
// read a whole recording in tests.

#include "format/event.hpp"
#include "format/verify.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace shelltrail::test {

struct OwnedEvent
{
  std::int64_t time_us = 0;
  std::uint8_t type = 0;
  std::string encoding; // encode_event(0, data): the canonical bytes of the fields

  static OwnedEvent from(const format::Event& event);
  bool operator==(const OwnedEvent&) const = default;
};

std::ostream& operator<<(std::ostream& out, const OwnedEvent& event);

struct ReadBack
{
  format::VerifyReport report;
  std::vector<OwnedEvent> events;
};

// verify_recording with every event copied; fails the test if the file cannot be examined.
ReadBack read_back(const std::string& path);

// Flips bit `bit` (0-7) of the byte at `offset` in a file.
void flip_bit(const std::string& path, std::uint64_t offset, int bit);
// Copies a file.
void copy_file(const std::string& from, const std::string& to);

} // namespace shelltrail::test
