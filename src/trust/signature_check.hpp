#pragma once
// check_signatures: what a recording's signature chunks vouch for, given the public keys the
// reviewer trusts. The hash chain (format::verify_recording) says whether the bytes hang
// together; the signatures say whether the jump box's recorder wrote them.

#include "format/signature.hpp"
#include "format/verify.hpp"

#include "trust/key_files.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace shelltrail::trust {

enum class SignatureState {
  not_signed,    // no signature chunk at all (a recorder without a key, an import)
  signed_whole,  // a valid signature right before the trailer, after the session's end event
  signed_prefix, // valid signatures up to chunk signed_through; what follows is not signed
  invalid,       // a signature chunk that does not verify (the content was re-chained)
  unknown_key    // signed by a key that is not among the trusted ones
};

struct SignatureVerdict
{
  SignatureState state = SignatureState::not_signed;
  // The last chunk a valid signature covers (signed_whole, signed_prefix).
  std::optional<std::uint64_t> signed_through;
  // invalid, unknown_key: the signature chunk concerned.
  std::uint64_t chunk = 0;
  std::optional<format::KeyId> key;        // the key of the last valid (or the unknown) signature
  std::optional<format::Hash> signed_head; // what the last valid signature signs
  std::size_t valid_signatures = 0;
};

// Ed25519 (RFC 8032) verification; the tests check it against OpenSSL's.
bool verify_signature(const PublicKey& key,
                      std::span<const std::byte> message,
                      const format::SignatureBytes& signature);

SignatureVerdict check_signatures(const format::VerifyReport& report,
                                  std::span<const PublicKey> trusted);

} // namespace shelltrail::trust
