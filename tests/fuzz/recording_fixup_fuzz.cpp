// Fuzzes what lies behind the checksums: the input is read as a list of chunks
//   record := type:u8 base_time:u16 body_len:u16 body[body_len]
// and wrapped into a recording whose CRCs, sequence numbers and hash chain are all correct, so
// the fuzzer reaches the chunk, event, metadata and trailer parsers instead of stopping at a
// checksum. The last byte chooses whether frames are compressed.

#include "format/chain_writer.hpp"
#include "format/verify.hpp"
#include "util/bytes.hpp"

#include "fuzz_file.hpp"

#include <sys/mman.h>

using namespace shelltrail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const int fd = memfd_create("fuzz-fixup", MFD_CLOEXEC);
  if (fd < 0) {
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  {
    const format::Codec codec =
        size > 0 && (data[size - 1] & 1) != 0 ? format::Codec::zstd : format::Codec::none;
    auto chain = format::ChainWriter::start(util::Fd(dup(fd)), {codec, 1});
    if (!chain) {
      close(fd);
      return 0;
    }
    util::ByteReader in(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
    for (int chunks = 0; chunks < 64 && in.remaining() > 0; ++chunks) {
      const auto type = in.u8();
      const auto time = in.u16();
      const auto length = in.u16();
      if (!type || !time || !length) {
        break;
      }
      const auto body = in.raw(std::min<std::size_t>(*length, in.remaining()));
      if (*type == 0 || !body) {
        break;
      }
      if (!chain->write_chunk(static_cast<format::ChunkType>(*type), *time, *body)) {
        break;
      }
    }
    (void)chain->close();
  }
  const auto report = format::verify_recording(path);
  (void)report;
  close(fd);
  return 0;
}
