#include "util/bytes.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace shelltrail::util {
namespace {

TEST(Bytes, VarintRoundTripsAtEveryLengthBoundary)
{
  const std::uint64_t values[] = {0,
                                  1,
                                  127,
                                  128,
                                  16383,
                                  16384,
                                  (1ULL << 35) - 1,
                                  1ULL << 35,
                                  std::numeric_limits<std::uint64_t>::max()};
  for (const std::uint64_t value : values) {
    SCOPED_TRACE(value);
    Bytes out;
    ByteWriter(out).varint(value);
    EXPECT_EQ(out.size(), varint_size(value));
    ByteReader in(out);
    EXPECT_EQ(in.varint(), value);
    EXPECT_EQ(in.remaining(), 0U);
  }
}

TEST(Bytes, SignedVarintRoundTrips)
{
  for (const std::int64_t value : {std::int64_t{0},
                                   std::int64_t{-1},
                                   std::int64_t{1},
                                   std::int64_t{-64},
                                   std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max()}) {
    Bytes out;
    ByteWriter(out).svarint(value);
    ByteReader in(out);
    EXPECT_EQ(in.svarint(), value);
  }
}

TEST(Bytes, VarintRejectsOverflowAndTruncation)
{
  Bytes eleven(11, std::byte{0xff});
  EXPECT_EQ(ByteReader(eleven).varint(), std::nullopt);
  Bytes overflow(9, std::byte{0xff});
  overflow.push_back(std::byte{0x02}); // bit 64 set
  EXPECT_EQ(ByteReader(overflow).varint(), std::nullopt);
  Bytes cut = {std::byte{0x80}, std::byte{0x80}};
  EXPECT_EQ(ByteReader(cut).varint(), std::nullopt);
}

TEST(Bytes, FixedWidthReadsNeverRunPastTheEnd)
{
  Bytes three = {std::byte{1}, std::byte{2}, std::byte{3}};
  ByteReader in(three);
  EXPECT_EQ(in.u32(), std::nullopt);
  EXPECT_EQ(in.u16(), 0x0201);
  EXPECT_EQ(in.raw(2), std::nullopt);
  EXPECT_EQ(in.u8(), 3);
  EXPECT_EQ(in.u8(), std::nullopt);
}

TEST(Bytes, LittleEndianLayout)
{
  Bytes out;
  ByteWriter w(out);
  w.u32(0x04030201);
  w.u64(0x0807060504030201ULL);
  ASSERT_EQ(out.size(), 12U);
  EXPECT_EQ(out[0], std::byte{1});
  EXPECT_EQ(out[3], std::byte{4});
  EXPECT_EQ(out[4], std::byte{1});
  EXPECT_EQ(out[11], std::byte{8});
}

TEST(Bytes, EscapeKeepsPrintableAsciiOnly)
{
  EXPECT_EQ(escape_bytes("ls -l\r\n"), "ls -l\\r\\n");
  EXPECT_EQ(escape_bytes("\x1b]52;c;aGk=\x07"), "\\x1b]52;c;aGk=\\x07");
  EXPECT_EQ(escape_bytes("caf\xc3\xa9\\"), "caf\\xc3\\xa9\\\\");
}

} // namespace
} // namespace shelltrail::util
