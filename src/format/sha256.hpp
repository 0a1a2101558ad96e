#pragma once
// Sha256: incremental SHA-256 over OpenSSL's EVP interface; links the recording hash chain.

#include "format/layout.hpp"

#include <memory>
#include <span>

struct evp_md_ctx_st;

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
  std::unique_ptr<evp_md_ctx_st, void (*)(evp_md_ctx_st*)> m_ctx;
};

} // namespace shelltrail::format
