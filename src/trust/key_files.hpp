#pragma once
// The signing key and its public half as files: PEM, PKCS#8 "PRIVATE KEY" and "PUBLIC KEY"
// (RFC 8410), the forms `openssl genpkey -algorithm ed25519` writes and `openssl pkey` reads.
// They are read and written by hand (the DER forms are fixed; base64 is OpenSSL's), and the
// arithmetic is libsodium's: OpenSSL's EVP interface, the only way to Ed25519 there, would cost
// the recorder about 1.8 MB of resident memory at run time and 0.8 MB of relocated tables just
// for being linked in (docs/trust.md).

#include "format/signature.hpp"
#include "util/error.hpp"

#include <array>
#include <cstddef>
#include <string>

namespace shelltrail::trust {

using Ed25519Seed = std::array<std::byte, 32>;
using Ed25519Public = std::array<std::byte, 32>;

struct PublicKey
{
  Ed25519Public bytes{};
  format::KeyId id{}; // SHA-256 of the raw public key
};

struct SigningKey
{
  Ed25519Seed seed{};
  PublicKey public_key;
};

// The public key beside a private key file: "signing.key" -> "signing.pub".
std::string public_key_path(const std::string& private_key_path);

// Reads a private key file. Refuses a file that is not a regular file, is a symlink, or can be
// read by group or others ("chmod 600"), like ssh does.
util::Result<SigningKey> load_signing_key(const std::string& path);
util::Result<PublicKey> load_public_key(const std::string& path);
util::Result<PublicKey> parse_public_key_pem(std::string_view pem);

std::string public_key_pem(const PublicKey& key);
// Writes the PEM of `key` to a new file `path` (mode 0644; an existing file is an error).
util::Result<void> write_public_key(const std::string& path, const PublicKey& key);
PublicKey public_key_from_raw(const Ed25519Public& raw);

// "SHA256:" and the first 16 hex digits of the key id: what people compare by eye.
std::string short_key_id(const format::KeyId& id);

// Creates a new key pair: `path` (mode 0600) and public_key_path(path) (mode 0644), both created
// exclusively (an existing key is never replaced), from 32 bytes of the kernel's randomness.
util::Result<SigningKey> generate_signing_key(const std::string& path);

} // namespace shelltrail::trust
