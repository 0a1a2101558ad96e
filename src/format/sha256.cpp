#include "format/sha256.hpp"

#include "util/assert.hpp"

#include <openssl/evp.h>

namespace shelltrail::format {

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free)
{
  ST_ASSERT(m_ctx != nullptr);
  ST_ASSERT(EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) == 1);
}

void Sha256::update(std::span<const std::byte> bytes)
{
  ST_ASSERT(EVP_DigestUpdate(m_ctx.get(), bytes.data(), bytes.size()) == 1);
}

Hash Sha256::finish()
{
  Hash digest{};
  unsigned size = 0;
  ST_ASSERT(
      EVP_DigestFinal_ex(m_ctx.get(), reinterpret_cast<unsigned char*>(digest.data()), &size) == 1);
  ST_ASSERT(size == digest.size());
  ST_ASSERT(EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) == 1);
  return digest;
}

Hash Sha256::of(std::span<const std::byte> bytes)
{
  Sha256 hasher;
  hasher.update(bytes);
  return hasher.finish();
}

} // namespace shelltrail::format
