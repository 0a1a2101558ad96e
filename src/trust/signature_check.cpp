#include "trust/signature_check.hpp"

#include <sodium.h>

#include <algorithm>

namespace shelltrail::trust {
bool verify_signature(const PublicKey& key,
                      std::span<const std::byte> message,
                      const format::SignatureBytes& signature)
{
  if (sodium_init() < 0) {
    // Verification needs no randomness; go on.
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(key.bytes.data())) == 0;
}

SignatureVerdict check_signatures(const format::VerifyReport& report,
                                  std::span<const PublicKey> trusted)
{
  SignatureVerdict verdict;
  if (report.signatures.empty()) {
    return verdict;
  }
  const format::SignedHead* last_valid = nullptr;
  for (const format::SignedHead& head : report.signatures) {
    if (!head.signature) {
      verdict.state = SignatureState::invalid;
      verdict.chunk = head.seq;
      return verdict;
    }
    const auto key = std::find_if(trusted.begin(), trusted.end(), [&](const PublicKey& k) {
      return k.id == head.signature->key_id;
    });
    if (key == trusted.end()) {
      verdict.state = SignatureState::unknown_key;
      verdict.chunk = head.seq;
      verdict.key = head.signature->key_id;
      return verdict;
    }
    if (!verify_signature(
            *key, format::signed_message(head.seq, head.head), head.signature->signature)) {
      verdict.state = SignatureState::invalid;
      verdict.chunk = head.seq;
      return verdict;
    }
    last_valid = &head;
    ++verdict.valid_signatures;
    verdict.key = head.signature->key_id;
  }
  verdict.signed_through = last_valid->seq - 1;
  verdict.signed_head = last_valid->head;
  // Whole: the last signature comes right before the trailer (the last chunk) and after the end
  // event, so nothing of the session is outside it.
  const bool whole = report.verdict == format::Verdict::ok && report.stats.chunk_count >= 2 &&
                     last_valid->seq == report.stats.chunk_count - 2 && last_valid->after_end;
  verdict.state = whole ? SignatureState::signed_whole : SignatureState::signed_prefix;
  return verdict;
}

} // namespace shelltrail::trust
