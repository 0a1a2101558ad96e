#include "trust/signer.hpp"

#include <sodium.h>

#include <algorithm>

namespace shelltrail::trust {

Signer::Signer(const SigningKey& key) : m_public(key.public_key)
{
  // 1 means already done; a failure could only concern randomness, which signing does not use.
  if (sodium_init() < 0) {
    // Nothing to do: crypto_sign_* work without it.
  }
  std::array<unsigned char, 32> public_key{};
  crypto_sign_seed_keypair(
      public_key.data(), m_secret.data(), reinterpret_cast<const unsigned char*>(key.seed.data()));
}

Signer::~Signer()
{
  sodium_memzero(m_secret.data(), m_secret.size());
}

format::SignatureChunk Signer::sign(std::uint64_t seq, const format::Hash& head) const
{
  const util::Bytes message = format::signed_message(seq, head);
  format::SignatureChunk chunk;
  chunk.key_id = m_public.id;
  crypto_sign_detached(reinterpret_cast<unsigned char*>(chunk.signature.data()),
                       nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(),
                       m_secret.data());
  return chunk;
}

const PublicKey& Signer::public_key() const
{
  return m_public;
}

} // namespace shelltrail::trust
