// Fuzzes the PEM key parser (`verify --key FILE` reads what a reviewer was handed) and the
// signature chunk decoder; whatever the key parser accepts must write back to the same key.

#include "format/signature.hpp"
#include "util/assert.hpp"

#include "trust/key_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace shelltrail;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)format::decode_signature(util::as_bytes(text));
  const auto key = trust::parse_public_key_pem(text);
  if (!key) {
    return 0;
  }
  const auto again = trust::parse_public_key_pem(trust::public_key_pem(*key));
  ST_ASSERT(again.has_value());
  ST_ASSERT(again->bytes == key->bytes && again->id == key->id);
  return 0;
}
