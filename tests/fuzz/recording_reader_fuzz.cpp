// Fuzzes the whole reader on raw file bytes: file header, frame headers, checksums, caps,
// decompression, and the signature records with what verify makes of them. Any input must give
// events, an end state or an error; never a crash.

#include "format/verify.hpp"
#include "util/assert.hpp"

#include "fuzz_file.hpp"
#include "trust/signature_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace shelltrail;
  const fuzz::MemoryFile file(data, size);
  std::uint64_t bytes = 0;
  const auto report = format::verify_recording(file.path(), [&](const format::Event& event) {
    if (const auto* view = format::payload_bytes(event.data)) {
      bytes += view->size(); // touch what the views point at
    }
  });
  if (!report) {
    return 0;
  }
  // Against no key, and against a key whose id the input may name: never "signed" unless a
  // signature really verifies, which fuzzed bytes cannot make for this key.
  trust::PublicKey key = trust::public_key_from_raw(trust::Ed25519Public{std::byte{1}});
  const auto none = trust::check_signatures(*report, {});
  ST_ASSERT(none.state != trust::SignatureState::signed_whole &&
            none.state != trust::SignatureState::signed_prefix);
  const std::vector<trust::PublicKey> keys{key};
  const auto some = trust::check_signatures(*report, keys);
  ST_ASSERT(some.valid_signatures == 0);
  return 0;
}
