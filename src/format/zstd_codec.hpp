#pragma once
// ZstdCompressor / ZstdDecompressor: one-shot zstd on whole frames, with contexts kept for reuse.
// The decompressor refuses to produce more than the size the frame header announced.

#include "util/bytes.hpp"
#include "util/error.hpp"

#include <memory>
#include <span>

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace shelltrail::format {

class ZstdCompressor
{
public:
  explicit ZstdCompressor(int level);
  // Replaces `out` with the compressed form of `input`.
  void compress(std::span<const std::byte> input, util::Bytes& out);

private:
  std::unique_ptr<ZSTD_CCtx_s, std::size_t (*)(ZSTD_CCtx_s*)> m_ctx;
};

class ZstdDecompressor
{
public:
  ZstdDecompressor();
  // Decodes `input`, which must hold exactly one zstd frame of exactly out.size() bytes.
  // Fails with ErrorKind::corrupt otherwise.
  util::Result<void> decompress(std::span<const std::byte> input, std::span<std::byte> out);

private:
  std::unique_ptr<ZSTD_DCtx_s, std::size_t (*)(ZSTD_DCtx_s*)> m_ctx;
};

} // namespace shelltrail::format
