#pragma once
// Little-endian integers and LEB128 varints: ByteWriter appends to a buffer, ByteReader reads
// from untrusted bytes and reports overruns as a value (never reads past the end, never asserts).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shelltrail::util {

using Bytes = std::vector<std::byte>;

inline std::span<const std::byte> as_bytes(std::string_view text)
{
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

inline std::string_view as_text(std::span<const std::byte> bytes)
{
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Appends encoded values to a byte vector it does not own.
class ByteWriter
{
public:
  explicit ByteWriter(Bytes& out);

  void u8(std::uint8_t value);
  void u16(std::uint16_t value);
  void u32(std::uint32_t value);
  void u64(std::uint64_t value);
  void varint(std::uint64_t value);
  // Zigzag-encoded signed varint.
  void svarint(std::int64_t value);
  void raw(std::span<const std::byte> bytes);
  void raw(std::string_view text);

private:
  Bytes& m_out;
};

// Reads encoded values from a span; every read returns nullopt instead of running past the end.
class ByteReader
{
public:
  explicit ByteReader(std::span<const std::byte> bytes);

  std::optional<std::uint8_t> u8();
  std::optional<std::uint16_t> u16();
  std::optional<std::uint32_t> u32();
  std::optional<std::uint64_t> u64();
  // At most 10 bytes; an encoding that overflows 64 bits is rejected.
  std::optional<std::uint64_t> varint();
  std::optional<std::int64_t> svarint();
  std::optional<std::span<const std::byte>> raw(std::size_t size);

  std::size_t remaining() const;
  std::size_t position() const;
  std::span<const std::byte> rest() const;

private:
  std::span<const std::byte> m_bytes;
  std::size_t m_position = 0;
};

// The number of bytes varint(value) takes.
std::size_t varint_size(std::uint64_t value);

// "a\x1b[1mb\n" -> "a\\x1b[1mb\\n": printable ASCII kept, everything else escaped.
std::string escape_bytes(std::string_view bytes);

// Lowercase hex of `bytes`.
std::string to_hex(std::span<const std::byte> bytes);

// --- Inline implementations ---

inline ByteWriter::ByteWriter(Bytes& out) : m_out(out) {}

inline void ByteWriter::u8(std::uint8_t value)
{
  m_out.push_back(static_cast<std::byte>(value));
}

inline void ByteWriter::u16(std::uint16_t value)
{
  u8(static_cast<std::uint8_t>(value));
  u8(static_cast<std::uint8_t>(value >> 8));
}

inline void ByteWriter::u32(std::uint32_t value)
{
  for (int i = 0; i < 4; ++i) {
    u8(static_cast<std::uint8_t>(value >> (8 * i)));
  }
}

inline void ByteWriter::u64(std::uint64_t value)
{
  for (int i = 0; i < 8; ++i) {
    u8(static_cast<std::uint8_t>(value >> (8 * i)));
  }
}

inline void ByteWriter::varint(std::uint64_t value)
{
  while (value >= 0x80) {
    u8(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  u8(static_cast<std::uint8_t>(value));
}

inline void ByteWriter::svarint(std::int64_t value)
{
  varint((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63));
}

inline void ByteWriter::raw(std::span<const std::byte> bytes)
{
  m_out.insert(m_out.end(), bytes.begin(), bytes.end());
}

inline void ByteWriter::raw(std::string_view text)
{
  raw(as_bytes(text));
}

inline ByteReader::ByteReader(std::span<const std::byte> bytes) : m_bytes(bytes) {}

inline std::optional<std::uint8_t> ByteReader::u8()
{
  if (m_position >= m_bytes.size()) {
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(m_bytes[m_position++]);
}

inline std::optional<std::uint16_t> ByteReader::u16()
{
  if (remaining() < 2) {
    return std::nullopt;
  }
  const auto lo = static_cast<std::uint16_t>(m_bytes[m_position]);
  const auto hi = static_cast<std::uint16_t>(m_bytes[m_position + 1]);
  m_position += 2;
  return static_cast<std::uint16_t>(lo | (hi << 8));
}

inline std::optional<std::uint32_t> ByteReader::u32()
{
  if (remaining() < 4) {
    return std::nullopt;
  }
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    value |= static_cast<std::uint32_t>(m_bytes[m_position++]) << (8 * i);
  }
  return value;
}

inline std::optional<std::uint64_t> ByteReader::u64()
{
  if (remaining() < 8) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value |= static_cast<std::uint64_t>(m_bytes[m_position++]) << (8 * i);
  }
  return value;
}

inline std::optional<std::uint64_t> ByteReader::varint()
{
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const auto byte = u8();
    if (!byte) {
      return std::nullopt;
    }
    const std::uint64_t bits = *byte & 0x7fU;
    if (shift == 63 && bits > 1) {
      return std::nullopt; // overflows 64 bits
    }
    value |= bits << shift;
    if ((*byte & 0x80U) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

inline std::optional<std::int64_t> ByteReader::svarint()
{
  const auto value = varint();
  if (!value) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>((*value >> 1) ^ (~(*value & 1) + 1));
}

inline std::optional<std::span<const std::byte>> ByteReader::raw(std::size_t size)
{
  if (size > remaining()) {
    return std::nullopt;
  }
  auto bytes = m_bytes.subspan(m_position, size);
  m_position += size;
  return bytes;
}

inline std::size_t ByteReader::remaining() const
{
  return m_bytes.size() - m_position;
}

inline std::size_t ByteReader::position() const
{
  return m_position;
}

inline std::span<const std::byte> ByteReader::rest() const
{
  return m_bytes.subspan(m_position);
}

inline std::size_t varint_size(std::uint64_t value)
{
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

} // namespace shelltrail::util
