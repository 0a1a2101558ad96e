#pragma once
// The signature chunk (type 4, docs/format.md section 6.1): a recorder's Ed25519 signature over
// the chain head, written at checkpoints and before the trailer. The chunk's own prev_hash is the
// head it signs, so the signature vouches for every chunk before it, the file header included.
// Only the byte layout lives here; keys and the signature arithmetic are in src/trust.

#include "format/layout.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace shelltrail::format {

inline constexpr std::size_t k_ed25519_signature_size = 64;
inline constexpr std::uint8_t k_signature_ed25519 = 1;

using KeyId = Hash; // SHA-256 of the raw 32-byte public key
using SignatureBytes = std::array<std::byte, k_ed25519_signature_size>;

struct SignatureChunk
{
  std::uint8_t algorithm = k_signature_ed25519;
  KeyId key_id{};
  SignatureBytes signature{};
};

// algorithm:u8 key_id[32] signature[64]; readers ignore bytes after them (later minor versions).
util::Bytes encode_signature(const SignatureChunk& chunk);
util::Result<SignatureChunk> decode_signature(std::span<const std::byte> body);

// What a signature chunk at `seq` signs: a fixed domain string, then seq (u64, little-endian),
// then the chain head before it (the chunk's prev_hash).
inline constexpr std::string_view k_signature_domain = "shelltrail chain head v1";
util::Bytes signed_message(std::uint64_t seq, const Hash& head);

// A signature chunk as a reader met it: where it stood, what it signs, and what preceded it.
struct SignedHead
{
  std::uint64_t seq = 0;
  Hash head{};                            // the chunk's prev_hash: what it signs
  util::Result<SignatureChunk> signature; // an error when the body is malformed
  bool after_end = false;                 // the session's end event came before it
};

} // namespace shelltrail::format
