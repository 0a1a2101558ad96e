#include "format/chunk_builder.hpp"

#include <algorithm>

namespace shelltrail::format {

bool ChunkBuilder::empty() const
{
  return m_event_count == 0;
}

std::size_t ChunkBuilder::size() const
{
  return m_body.size();
}

std::size_t ChunkBuilder::event_count() const
{
  return m_event_count;
}

std::uint64_t ChunkBuilder::output_bytes() const
{
  return m_output_bytes;
}

std::uint64_t ChunkBuilder::input_bytes() const
{
  return m_input_bytes;
}

std::uint64_t ChunkBuilder::base_time_us() const
{
  return m_base_time_us;
}

std::uint64_t ChunkBuilder::last_time_us() const
{
  return m_last_time_us;
}

void ChunkBuilder::append(std::uint64_t time_us, const EventData& data)
{
  if (m_event_count == 0) {
    m_base_time_us = time_us;
    m_last_time_us = time_us;
  }
  time_us = std::max(time_us, m_last_time_us);
  encode_event(time_us - m_last_time_us, data, m_body);
  m_last_time_us = time_us;
  ++m_event_count;
  if (const std::string_view* bytes = payload_bytes(data)) {
    (std::holds_alternative<Input>(data) ? m_input_bytes : m_output_bytes) += bytes->size();
  }
}

std::span<const std::byte> ChunkBuilder::body() const
{
  return m_body;
}

util::Bytes ChunkBuilder::take_body(util::Bytes replacement)
{
  replacement.clear();
  util::Bytes body = std::exchange(m_body, std::move(replacement));
  m_event_count = 0;
  m_output_bytes = 0;
  m_input_bytes = 0;
  return body;
}

void ChunkBuilder::clear()
{
  m_body.clear();
  m_event_count = 0;
  m_output_bytes = 0;
  m_input_bytes = 0;
}

} // namespace shelltrail::format
