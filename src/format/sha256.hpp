#pragma once
// Sha256: incremental SHA-256, the link of the recording hash chain.
// Uses OpenSSL's low-level SHA-256 rather than EVP: the same code and speed (SHA-NI), without
// loading OpenSSL 3's provider machinery, which costs the recorder 2.3 MB of resident memory.

#include "format/layout.hpp"

#include <span>

namespace shelltrail::format {

class Sha256
{
public:
  Sha256();
  void update(std::span<const std::byte> bytes);
  // Returns the digest and resets for the next message.
  Hash finish();

  static Hash of(std::span<const std::byte> bytes);

private:
  // OpenSSL's SHA256_CTX, kept opaque here: 112 bytes, 8-byte aligned.
  alignas(8) std::byte m_ctx[112];
};

} // namespace shelltrail::format
