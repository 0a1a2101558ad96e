#include "format/signature.hpp"

#include <algorithm>

namespace shelltrail::format {

util::Bytes encode_signature(const SignatureChunk& chunk)
{
  util::Bytes body;
  util::ByteWriter out(body);
  out.u8(chunk.algorithm);
  out.raw(chunk.key_id);
  out.raw(chunk.signature);
  return body;
}

util::Result<SignatureChunk> decode_signature(std::span<const std::byte> body)
{
  util::ByteReader in(body);
  SignatureChunk chunk;
  const auto algorithm = in.u8();
  const auto key_id = in.raw(k_hash_size);
  const auto signature = in.raw(k_ed25519_signature_size);
  if (!algorithm || !key_id || !signature) {
    return util::fail(util::Error(util::ErrorKind::corrupt, "signature chunk too short"));
  }
  if (*algorithm != k_signature_ed25519) {
    return util::fail(util::Error(util::ErrorKind::unsupported,
                                  "signature algorithm " + std::to_string(*algorithm)));
  }
  chunk.algorithm = *algorithm;
  std::copy(key_id->begin(), key_id->end(), chunk.key_id.begin());
  std::copy(signature->begin(), signature->end(), chunk.signature.begin());
  return chunk;
}

util::Bytes signed_message(std::uint64_t seq, const Hash& head)
{
  util::Bytes message;
  util::ByteWriter out(message);
  out.raw(k_signature_domain);
  out.u64(seq);
  out.raw(head);
  return message;
}

} // namespace shelltrail::format
