#include "trust/key_files.hpp"

#include "format/sha256.hpp"
#include "util/bytes.hpp"
#include "util/file.hpp"

#include <fmt/core.h>
#include <openssl/evp.h>

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

namespace shelltrail::trust {
namespace {

// The DER before the 32 key bytes (RFC 8410): PrivateKeyInfo with OID 1.3.101.112 and an OCTET
// STRING holding the seed; SubjectPublicKeyInfo with the same OID and a BIT STRING.
constexpr std::array<unsigned char, 16> k_private_prefix = {
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
constexpr std::array<unsigned char, 12> k_public_prefix = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
constexpr std::size_t k_max_key_file = 4096;

util::Error bad_key(std::string_view what, const std::string& path)
{
  return util::Error(util::ErrorKind::corrupt,
                     fmt::format("{} is not an Ed25519 {} in PEM form (as `openssl genpkey "
                                 "-algorithm ed25519` writes)",
                                 path,
                                 what));
}

// The DER inside the one PEM block labelled `label`, or nullopt.
std::optional<util::Bytes> pem_body(std::string_view text, std::string_view label)
{
  const std::string begin = fmt::format("-----BEGIN {}-----", label);
  const std::string end = fmt::format("-----END {}-----", label);
  const std::size_t first = text.find(begin);
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t body_start = first + begin.size();
  const std::size_t last = text.find(end, body_start);
  if (last == std::string_view::npos) {
    return std::nullopt;
  }
  std::string base64;
  for (const char c : text.substr(body_start, last - body_start)) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
      base64.push_back(c);
    }
  }
  if (base64.empty() || base64.size() % 4 != 0 || base64.size() > k_max_key_file) {
    return std::nullopt;
  }
  util::Bytes der(base64.size() / 4 * 3);
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()),
                                reinterpret_cast<const unsigned char*>(base64.data()),
                                static_cast<int>(base64.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  const auto padding = static_cast<std::size_t>(std::count(base64.end() - 2, base64.end(), '='));
  der.resize(static_cast<std::size_t>(n) - padding);
  return der;
}

template <std::size_t N>
std::optional<std::array<std::byte, 32>> after_prefix(const util::Bytes& der,
                                                      const std::array<unsigned char, N>& prefix)
{
  if (der.size() != N + 32 ||
      !std::equal(prefix.begin(), prefix.end(), der.begin(), [](unsigned char a, std::byte b) {
        return std::byte{a} == b;
      })) {
    return std::nullopt;
  }
  std::array<std::byte, 32> key{};
  std::copy(der.begin() + N, der.end(), key.begin());
  return key;
}

util::Result<std::string> read_key_file(const std::string& path, bool secret)
{
  ST_TRY_ASSIGN(util::Fd fd, util::open_file(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY));
  struct stat st
  {};
  if (::fstat(fd.get(), &st) != 0) {
    return util::fail(util::Error::from_errno(errno, path));
  }
  if (!S_ISREG(st.st_mode)) {
    return util::fail(util::Error(util::ErrorKind::config, path + " is not a regular file"));
  }
  if (secret && (st.st_mode & 077) != 0) {
    return util::fail(
        util::Error(util::ErrorKind::permission,
                    fmt::format("signing key {} can be read by others (mode {:04o}); run `chmod "
                                "600 {}` (and think about whether it leaked)",
                                path,
                                st.st_mode & 07777,
                                path)));
  }
  if (st.st_size > static_cast<off_t>(k_max_key_file)) {
    return util::fail(bad_key(secret ? "private key" : "public key", path));
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  ST_TRY_ASSIGN(std::size_t n, util::read_at(fd, 0, std::as_writable_bytes(std::span(text))));
  text.resize(n);
  return text;
}

util::Result<void> write_new_file(const std::string& path, std::string_view text, unsigned mode)
{
  ST_TRY_ASSIGN(util::Fd fd, util::open_file(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode));
  if (::fchmod(fd.get(), mode) != 0) {
    return util::fail(util::Error::from_errno(errno, path));
  }
  ST_TRY(util::write_all(fd, util::as_bytes(text)));
  return util::sync_data(fd);
}

std::string base64(std::span<const std::byte> bytes)
{
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(n));
  return text;
}

template <std::size_t N>
util::Bytes der_with_key(const std::array<unsigned char, N>& prefix,
                         const std::array<std::byte, 32>& key)
{
  util::Bytes der;
  der.reserve(N + key.size());
  for (const unsigned char c : prefix) {
    der.push_back(std::byte{c});
  }
  der.insert(der.end(), key.begin(), key.end());
  return der;
}

} // namespace

std::string public_key_path(const std::string& private_key_path)
{
  const std::string suffix = ".key";
  if (private_key_path.size() > suffix.size() &&
      private_key_path.compare(private_key_path.size() - suffix.size(), suffix.size(), suffix) ==
          0) {
    return private_key_path.substr(0, private_key_path.size() - suffix.size()) + ".pub";
  }
  return private_key_path + ".pub";
}

PublicKey public_key_from_raw(const Ed25519Public& raw)
{
  PublicKey key;
  key.bytes = raw;
  key.id = format::Sha256::of(raw);
  return key;
}

util::Result<SigningKey> load_signing_key(const std::string& path)
{
  ST_TRY_ASSIGN(std::string text, read_key_file(path, true));
  const auto der = pem_body(text, "PRIVATE KEY");
  const auto seed = der ? after_prefix(*der, k_private_prefix) : std::nullopt;
  sodium_memzero(text.data(), text.size());
  if (!seed) {
    return util::fail(bad_key("private key", path));
  }
  SigningKey key;
  key.seed = *seed;
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret{};
  crypto_sign_seed_keypair(
      public_key.data(), secret.data(), reinterpret_cast<const unsigned char*>(key.seed.data()));
  sodium_memzero(secret.data(), secret.size());
  Ed25519Public raw{};
  std::transform(public_key.begin(), public_key.end(), raw.begin(), [](unsigned char c) {
    return std::byte{c};
  });
  key.public_key = public_key_from_raw(raw);
  return key;
}

util::Result<PublicKey> parse_public_key_pem(std::string_view pem)
{
  const auto der = pem_body(pem, "PUBLIC KEY");
  const auto raw = der ? after_prefix(*der, k_public_prefix) : std::nullopt;
  if (!raw) {
    return util::fail(util::Error(util::ErrorKind::corrupt, "not an Ed25519 public key"));
  }
  return public_key_from_raw(*raw);
}

util::Result<PublicKey> load_public_key(const std::string& path)
{
  ST_TRY_ASSIGN(std::string text, read_key_file(path, false));
  auto key = parse_public_key_pem(text);
  if (!key) {
    return util::fail(bad_key("public key", path));
  }
  return key;
}

std::string public_key_pem(const PublicKey& key)
{
  return fmt::format("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                     base64(der_with_key(k_public_prefix, key.bytes)));
}

util::Result<void> write_public_key(const std::string& path, const PublicKey& key)
{
  return write_new_file(path, public_key_pem(key), 0644);
}

std::string short_key_id(const format::KeyId& id)
{
  return "SHA256:" + util::to_hex(std::span(id).first(8));
}

util::Result<SigningKey> generate_signing_key(const std::string& path)
{
  if (sodium_init() < 0) {
    return util::fail(util::Error(util::ErrorKind::io, "no randomness for a new key (libsodium)"));
  }
  const std::string public_path = public_key_path(path);
  // Neither file may exist: a key is never replaced, and no half pair is left behind.
  for (const std::string& file : {path, public_path}) {
    struct stat st
    {};
    if (::lstat(file.c_str(), &st) == 0) {
      return util::fail(util::Error(util::ErrorKind::config,
                                    fmt::format("{} exists; a key is never replaced (move the "
                                                "old pair away first to rotate it)",
                                                file)));
    }
  }
  Ed25519Seed seed{};
  randombytes_buf(seed.data(), seed.size());
  util::Bytes der = der_with_key(k_private_prefix, seed);
  std::string pem =
      fmt::format("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", base64(der));
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(der.data(), der.size());
  auto written = write_new_file(path, pem, 0600);
  sodium_memzero(pem.data(), pem.size());
  ST_TRY(written);
  ST_TRY_ASSIGN(SigningKey key, load_signing_key(path));
  ST_TRY(write_public_key(public_path, key.public_key));
  return key;
}

} // namespace shelltrail::trust
