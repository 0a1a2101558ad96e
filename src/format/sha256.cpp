// The low-level SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, but supported;
// see sha256.hpp for why they are used.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "format/sha256.hpp"

#include "util/assert.hpp"

#include <openssl/sha.h>

namespace shelltrail::format {
namespace {

static_assert(sizeof(SHA256_CTX) <= 112 && alignof(SHA256_CTX) <= 8);

SHA256_CTX* context(std::byte* storage)
{
  return reinterpret_cast<SHA256_CTX*>(storage);
}

} // namespace

Sha256::Sha256() : m_ctx{}
{
  ST_ASSERT(SHA256_Init(context(m_ctx)) == 1);
}

void Sha256::update(std::span<const std::byte> bytes)
{
  ST_ASSERT(SHA256_Update(context(m_ctx), bytes.data(), bytes.size()) == 1);
}

Hash Sha256::finish()
{
  Hash digest{};
  ST_ASSERT(SHA256_Final(reinterpret_cast<unsigned char*>(digest.data()), context(m_ctx)) == 1);
  ST_ASSERT(SHA256_Init(context(m_ctx)) == 1);
  return digest;
}

Hash Sha256::of(std::span<const std::byte> bytes)
{
  // Not OpenSSL 3's one-shot SHA256(): it goes through EVP_Q_digest and the providers.
  Sha256 hasher;
  hasher.update(bytes);
  return hasher.finish();
}

} // namespace shelltrail::format
