#pragma once
// Signer: the recorder's half of tamper evidence. Signs chain heads with the jump box's Ed25519
// key through libsodium, whose signing needs no start-up and no heap: OpenSSL 3 can only sign
// Ed25519 through EVP, whose provider start-up costs each session about 1.8 MB of resident
// memory (docs/trust.md). The signatures are plain RFC 8032 ones; the tests verify them with
// OpenSSL.

#include "format/signature.hpp"

#include "trust/key_files.hpp"

#include <array>
#include <cstdint>

namespace shelltrail::trust {

class Signer
{
public:
  explicit Signer(const SigningKey& key);
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;
  ~Signer();

  // The body of a signature chunk at `seq` whose prev_hash is `head`.
  format::SignatureChunk sign(std::uint64_t seq, const format::Hash& head) const;
  const PublicKey& public_key() const;

private:
  std::array<unsigned char, 64> m_secret{}; // libsodium's form: seed, then public key
  PublicKey m_public;
};

} // namespace shelltrail::trust
