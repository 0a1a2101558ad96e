#include "format/zstd_codec.hpp"

#include "util/assert.hpp"

#include <zstd.h>

namespace shelltrail::format {

ZstdCompressor::ZstdCompressor(int level) : m_ctx(ZSTD_createCCtx(), ZSTD_freeCCtx)
{
  ST_ASSERT(m_ctx != nullptr);
  ST_ASSERT(!ZSTD_isError(ZSTD_CCtx_setParameter(m_ctx.get(), ZSTD_c_compressionLevel, level)));
  // The chain hash already covers the content; zstd's own checksum would be redundant.
  ST_ASSERT(!ZSTD_isError(ZSTD_CCtx_setParameter(m_ctx.get(), ZSTD_c_checksumFlag, 0)));
}

void ZstdCompressor::compress(std::span<const std::byte> input, util::Bytes& out)
{
  out.resize(ZSTD_compressBound(input.size()));
  const std::size_t size =
      ZSTD_compress2(m_ctx.get(), out.data(), out.size(), input.data(), input.size());
  ST_ASSERT(!ZSTD_isError(size)); // the bound makes failure impossible
  out.resize(size);
}

ZstdDecompressor::ZstdDecompressor() : m_ctx(ZSTD_createDCtx(), ZSTD_freeDCtx)
{
  ST_ASSERT(m_ctx != nullptr);
  // A frame never needs a window larger than its own content; refuse hostile window sizes.
  ST_ASSERT(!ZSTD_isError(ZSTD_DCtx_setParameter(m_ctx.get(), ZSTD_d_windowLogMax, 25)));
}

util::Result<void> ZstdDecompressor::decompress(std::span<const std::byte> input,
                                                std::span<std::byte> out)
{
  const unsigned long long declared = ZSTD_getFrameContentSize(input.data(), input.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    return util::fail(util::ErrorKind::corrupt, "not a zstd frame");
  }
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != out.size()) {
    return util::fail(util::ErrorKind::corrupt,
                      "zstd frame holds {} bytes, the frame header says {}",
                      declared,
                      out.size());
  }
  const std::size_t frame_size = ZSTD_findFrameCompressedSize(input.data(), input.size());
  if (ZSTD_isError(frame_size) || frame_size != input.size()) {
    return util::fail(util::ErrorKind::corrupt, "stored payload is not exactly one zstd frame");
  }
  const std::size_t size =
      ZSTD_decompressDCtx(m_ctx.get(), out.data(), out.size(), input.data(), input.size());
  if (ZSTD_isError(size)) {
    return util::fail(util::ErrorKind::corrupt, "zstd: {}", ZSTD_getErrorName(size));
  }
  if (size != out.size()) {
    return util::fail(
        util::ErrorKind::corrupt, "zstd frame decoded to {} bytes, expected {}", size, out.size());
  }
  return {};
}

} // namespace shelltrail::format
