#include "export/asciicast.hpp"

#include "format/session_id.hpp"
#include "format/sha256.hpp"
#include "util/bytes.hpp"
#include "util/file.hpp"
#include "util/overloaded.hpp"
#include "util/time.hpp"

#include <fmt/core.h>

#include <fcntl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

namespace shelltrail::export_ {
namespace {

using nlohmann::json;
using std::chrono::microseconds;

constexpr std::string_view k_replacement = "\xef\xbf\xbd";         // U+FFFD
constexpr std::size_t k_max_header_bytes = std::size_t{256} << 10; // stays under the metadata cap
constexpr int k_max_json_depth = 16;
// Event times up to ~31 years: far beyond any session, far below overflow.
constexpr double k_max_seconds = 1e9;
constexpr std::int64_t k_max_time_us = 1'000'000'000'000'000;
constexpr std::size_t k_read_block = std::size_t{64} << 10;

// --- UTF-8 ---------------------------------------------------------------------------------------

// The length of the UTF-8 sequence `lead` starts, or 0 when it starts none.
std::size_t utf8_length(unsigned char lead)
{
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xc2 && lead <= 0xdf) {
    return 2;
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    return 3;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    return 4;
  }
  return 0;
}

// Whether `byte` may follow `lead` at position `index` (1..3) of a sequence: the second byte's
// range excludes overlong forms, surrogates and code points past U+10FFFF.
bool is_continuation(unsigned char lead, std::size_t index, unsigned char byte)
{
  if ((byte & 0xc0U) != 0x80) {
    return false;
  }
  if (index != 1) {
    return true;
  }
  return !((lead == 0xe0 && byte < 0xa0) || (lead == 0xed && byte > 0x9f) ||
           (lead == 0xf0 && byte < 0x90) || (lead == 0xf4 && byte > 0x8f));
}

// Appends the UTF-8 text of `carry` followed by `bytes` to `out`: invalid sequences become U+FFFD;
// a character cut at the end is left in `carry` for the next call.
void append_utf8(std::string& carry, std::string_view bytes, std::string& out)
{
  std::string joined;
  if (!carry.empty()) {
    joined = carry + std::string(bytes);
    bytes = joined;
    carry.clear();
  }
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    const std::size_t length = utf8_length(lead);
    if (length == 1) {
      out += bytes[i++];
      continue;
    }
    if (length == 0) {
      out += k_replacement;
      ++i;
      continue;
    }
    std::size_t valid = 1;
    while (valid < length && i + valid < bytes.size() &&
           is_continuation(lead, valid, static_cast<unsigned char>(bytes[i + valid]))) {
      ++valid;
    }
    if (valid == length) {
      out.append(bytes.substr(i, length));
    } else if (i + valid == bytes.size()) {
      carry.assign(bytes.substr(i)); // cut by the end of this event
    } else {
      out += k_replacement; // one U+FFFD per maximal invalid subpart
    }
    i += valid;
  }
}

std::string json_string(std::string_view text)
{
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

// "1.000250": seconds with microseconds, exactly (no floating point on the way).
std::string seconds_text(microseconds time)
{
  const std::int64_t us = std::max<std::int64_t>(time.count(), 0);
  return fmt::format("{}.{:06}", us / 1'000'000, us % 1'000'000);
}

// --- JSON input
// -----------------------------------------------------------------------------------

// Parses one line as JSON without building anything nested deeper than k_max_json_depth (a line
// of a million '[' must not become a million objects).
util::Result<json> parse_json_line(std::string_view line)
{
  bool too_deep = false;
  const json::parser_callback_t limit = [&](int depth, json::parse_event_t, json&) {
    if (depth > k_max_json_depth) {
      too_deep = true;
      return false;
    }
    return true;
  };
  json value = json::parse(line.begin(), line.end(), limit, /*allow_exceptions=*/false);
  if (too_deep) {
    return util::fail(
        util::ErrorKind::corrupt, "JSON nested deeper than {} levels", k_max_json_depth);
  }
  if (value.is_discarded()) {
    return util::fail(util::ErrorKind::corrupt, "not valid JSON");
  }
  return value;
}

std::string_view trim_line(std::string_view line)
{
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

// A string field of an optional-field object, or "" when absent, null or not a string.
std::string optional_string(const json& object, const char* key)
{
  const auto it = object.find(key);
  return (it != object.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

util::Result<std::uint16_t> required_size(const json& object, const char* key, const char* where)
{
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer() || it->get<std::int64_t>() < 1 ||
      it->get<std::int64_t>() > 65535) {
    return util::fail(util::ErrorKind::corrupt,
                      "the header's \"{}{}\" is missing or not a whole number from 1 to 65535",
                      where,
                      key);
  }
  return static_cast<std::uint16_t>(it->get<std::int64_t>());
}

util::Result<microseconds> to_microseconds(const json& value)
{
  if (!value.is_number()) {
    return util::fail(util::ErrorKind::corrupt, "the event time is not a number");
  }
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > k_max_seconds) {
    return util::fail(util::ErrorKind::corrupt,
                      "the event time {} is not a number of seconds from 0 to {:.0f}",
                      value.dump(),
                      k_max_seconds);
  }
  return microseconds(std::llround(seconds * 1e6));
}

// --- Reading lines ----------------------------------------------------------------------------

// Reads a file line by line in blocks; a line longer than the cap is refused before it is read.
class LineReader
{
public:
  explicit LineReader(const util::Fd& fd) : m_fd(fd) {}

  // The next line without its '\n' (valid until the next call), or nullopt at the end. A line
  // longer than `max_line` is an error, found before more than that is held.
  util::Result<std::optional<std::string_view>> next(std::size_t max_line)
  {
    m_line.clear();
    bool any = false;
    for (;;) {
      if (m_begin == m_end) {
        if (m_eof) {
          return any ? std::optional<std::string_view>(m_line) : std::nullopt;
        }
        ST_TRY_ASSIGN(const std::size_t got, util::read_at(m_fd, m_offset, m_block));
        m_offset += got;
        m_begin = 0;
        m_end = got;
        m_eof = got < m_block.size();
        continue;
      }
      const char* start = reinterpret_cast<const char*>(m_block.data()) + m_begin;
      const auto* newline = static_cast<const char*>(std::memchr(start, '\n', m_end - m_begin));
      const std::size_t take =
          newline != nullptr ? static_cast<std::size_t>(newline - start) : m_end - m_begin;
      if (m_line.size() + take > max_line) {
        return util::fail(
            util::ErrorKind::corrupt, "the line is longer than {} MiB", max_line >> 20);
      }
      m_line.append(start, take);
      any = true;
      if (newline != nullptr) {
        m_begin += take + 1;
        return std::optional<std::string_view>(m_line);
      }
      m_begin = m_end;
    }
  }

private:
  const util::Fd& m_fd;
  std::vector<std::byte> m_block = std::vector<std::byte>(k_read_block);
  std::uint64_t m_offset = 0;
  std::size_t m_begin = 0;
  std::size_t m_end = 0;
  bool m_eof = false;
  std::string m_line;
};

util::Result<std::string> sha256_of_file(const util::Fd& fd)
{
  format::Sha256 sha;
  std::vector<std::byte> block(k_read_block);
  std::uint64_t offset = 0;
  for (;;) {
    ST_TRY_ASSIGN(const std::size_t got, util::read_at(fd, offset, block));
    sha.update(std::span<const std::byte>(block.data(), got));
    offset += got;
    if (got < block.size()) {
      break;
    }
  }
  return util::to_hex(sha.finish());
}

} // namespace

std::string_view to_string(AsciicastVersion version)
{
  return version == AsciicastVersion::v2 ? "asciicast v2" : "asciicast v3";
}

// --- AsciicastWriter
// ------------------------------------------------------------------------------

AsciicastWriter::AsciicastWriter(AsciicastWriterOptions options) : m_options(options) {}

void AsciicastWriter::header(const format::Metadata& metadata, std::string& out)
{
  // What an imported cast's own header said, to give back what the recording format has no
  // field for.
  const json* original = nullptr;
  if (const auto imported = metadata.document.find("imported");
      imported != metadata.document.end() && imported->is_object()) {
    if (const auto header = imported->find("header");
        header != imported->end() && header->is_object()) {
      original = &*header;
    }
  }
  const json* theme = nullptr;
  if (original != nullptr) {
    if (const auto it = original->find("theme"); it != original->end() && it->is_object()) {
      theme = &*it;
    } else if (const auto term = original->find("term");
               term != original->end() && term->is_object() && term->contains("theme") &&
               (*term)["theme"].is_object()) {
      theme = &(*term)["theme"];
    }
  }

  const std::uint16_t cols = metadata.cols != 0 ? metadata.cols : 80;
  const std::uint16_t rows = metadata.rows != 0 ? metadata.rows : 24;
  nlohmann::ordered_json h;
  json env = json::object();
  if (m_options.version == AsciicastVersion::v2) {
    h["version"] = 2;
    h["width"] = cols;
    h["height"] = rows;
    if (!metadata.term.empty()) {
      env["TERM"] = metadata.term;
    }
  } else {
    h["version"] = 3;
    nlohmann::ordered_json term{{"cols", cols}, {"rows", rows}};
    if (!metadata.term.empty()) {
      term["type"] = metadata.term;
    }
    if (theme != nullptr) {
      term["theme"] = *theme;
    }
    h["term"] = term;
  }
  // An imported cast without a start time got the import time: not worth passing on.
  bool start_known = true;
  if (const auto imported = metadata.document.find("imported");
      imported != metadata.document.end() && imported->is_object()) {
    const auto known = imported->find("start_known");
    start_known = known == imported->end() || !known->is_boolean() || known->get<bool>();
  }
  if (metadata.start_unix_ns > 0 && start_known) {
    h["timestamp"] = metadata.start_unix_ns / 1'000'000'000;
  }
  if (original != nullptr) {
    if (const auto it = original->find("idle_time_limit");
        it != original->end() && it->is_number()) {
      h["idle_time_limit"] = *it;
    }
  }
  if (!metadata.command.empty()) {
    h["command"] = metadata.command;
  }
  if (original != nullptr) {
    if (const std::string title = optional_string(*original, "title"); !title.empty()) {
      h["title"] = title;
    }
  }
  if (!metadata.shell.empty()) {
    env["SHELL"] = metadata.shell;
  }
  if (!env.empty()) {
    h["env"] = env;
  }
  if (m_options.version == AsciicastVersion::v2 && theme != nullptr) {
    h["theme"] = *theme;
  }
  out += h.dump(-1, ' ', false, json::error_handler_t::replace);
  out += '\n';
}

void AsciicastWriter::event(const format::Event& event, std::string& out)
{
  using namespace format;
  m_event_time = event.time;
  std::visit(
      util::Overloaded{
          [&](const Output& e) { bytes_line(event.time, 'o', e.bytes, m_output_carry, out); },
          [&](const ErrorOutput& e) { bytes_line(event.time, 'o', e.bytes, m_output_carry, out); },
          [&](const Input& e) {
            if (m_options.input) {
              bytes_line(event.time, 'i', e.bytes, m_input_carry, out);
            }
          },
          [&](const Resize& e) {
            line(event.time, 'r', fmt::format("{}x{}", e.cols, e.rows), out);
          },
          [&](const Marker& e) {
            std::string carry;
            std::string text;
            append_utf8(carry, e.text, text);
            if (!carry.empty()) {
              text += k_replacement;
            }
            line(event.time, 'm', text, out);
          },
          [&](const End& e) {
            if (m_options.version != AsciicastVersion::v3 || e.termination == Termination::other) {
              return;
            }
            // A signal shows as the shell's $? would show it: 128 + N.
            const std::int64_t status =
                e.termination == Termination::exited ? e.value : 128 + std::int64_t{e.value};
            line(event.time, 'x', std::to_string(status), out);
          },
          [](const auto&) {}, // redacted input, clock and stream facts: no asciicast form
      },
      event.data);
}

void AsciicastWriter::finish(std::string& out)
{
  if (!m_output_carry.empty()) {
    m_output_carry.clear();
    line(m_event_time, 'o', k_replacement, out);
  }
  if (!m_input_carry.empty()) {
    m_input_carry.clear();
    line(m_event_time, 'i', k_replacement, out);
  }
}

std::uint64_t AsciicastWriter::events_written() const
{
  return m_events_written;
}

void AsciicastWriter::line(microseconds time, char code, std::string_view text, std::string& out)
{
  time = std::max(time, m_last_time);
  const microseconds stamp = m_options.version == AsciicastVersion::v2 ? time : time - m_last_time;
  out += '[';
  out += seconds_text(stamp);
  out += ", \"";
  out += code;
  out += "\", ";
  out += json_string(text);
  out += "]\n";
  m_last_time = time;
  ++m_events_written;
}

void AsciicastWriter::bytes_line(
    microseconds time, char code, std::string_view bytes, std::string& carry, std::string& out)
{
  std::string text;
  append_utf8(carry, bytes, text);
  if (!text.empty()) {
    line(time, code, text, out);
  }
}

// --- Import
// ----------------------------------------------------------------------------------------

util::Result<AsciicastHeader> parse_asciicast_header(std::string_view line)
{
  line = trim_line(line);
  if (line.substr(0, 3) == "\xef\xbb\xbf") {
    line.remove_prefix(3); // a byte order mark from a Windows editor
  }
  auto parsed = parse_json_line(line);
  if (!parsed || !parsed->is_object()) {
    return util::fail(util::ErrorKind::unsupported,
                      "not an asciicast file: its first line is not a JSON object");
  }
  json& document = *parsed;
  const auto version = document.find("version");
  if (version == document.end() || !version->is_number_integer()) {
    return util::fail(util::ErrorKind::unsupported,
                      "not an asciicast file: its first line has no \"version\"");
  }
  AsciicastHeader header;
  switch (version->get<std::int64_t>()) {
  case 2: {
    header.version = AsciicastVersion::v2;
    ST_TRY_ASSIGN(header.cols, required_size(document, "width", ""));
    ST_TRY_ASSIGN(header.rows, required_size(document, "height", ""));
    break;
  }
  case 3: {
    header.version = AsciicastVersion::v3;
    const auto term = document.find("term");
    if (term == document.end() || !term->is_object()) {
      return util::fail(util::ErrorKind::corrupt,
                        "the header has no \"term\" object (asciicast v3 requires one)");
    }
    ST_TRY_ASSIGN(header.cols, required_size(*term, "cols", "term."));
    ST_TRY_ASSIGN(header.rows, required_size(*term, "rows", "term."));
    header.term = optional_string(*term, "type");
    break;
  }
  default:
    return util::fail(util::ErrorKind::unsupported,
                      "asciicast version {} is not supported (only 2 and 3)",
                      version->dump());
  }
  if (const auto env = document.find("env"); env != document.end() && env->is_object()) {
    if (header.term.empty()) {
      header.term = optional_string(*env, "TERM");
    }
    header.shell = optional_string(*env, "SHELL");
  }
  header.command = optional_string(document, "command");
  header.title = optional_string(document, "title");
  if (const auto timestamp = document.find("timestamp");
      timestamp != document.end() && timestamp->is_number()) {
    const double seconds = timestamp->get<double>();
    // Integers are exact; a float timestamp (v2 allows one) keeps what a double holds.
    if (std::isfinite(seconds) && std::abs(seconds) < 9e9) {
      header.start_unix_ns = timestamp->is_number_integer()
                                 ? timestamp->get<std::int64_t>() * 1'000'000'000
                                 : std::llround(seconds * 1e9);
    }
  }
  header.document = std::move(document);
  return header;
}

AsciicastEventParser::AsciicastEventParser(AsciicastVersion version) : m_version(version) {}

util::Result<std::optional<AsciicastEvent>> AsciicastEventParser::parse(std::string_view line)
{
  line = trim_line(line);
  const std::size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] == '#') {
    return std::nullopt; // blank, or a comment (v3; tolerated in v2)
  }
  ST_TRY_ASSIGN(json value, parse_json_line(line));
  if (!value.is_array() || value.size() < 3) {
    return util::fail(util::ErrorKind::corrupt,
                      "an event must be a JSON array of [time, code, data]");
  }
  ST_TRY_ASSIGN(const microseconds stamp, to_microseconds(value[0]));
  if (!value[1].is_string() || value[1].get_ref<const std::string&>().empty()) {
    return util::fail(util::ErrorKind::corrupt, "the event code is not a non-empty string");
  }
  AsciicastEvent event;
  if (m_version == AsciicastVersion::v2) {
    event.time = std::max(stamp, m_time);
  } else {
    event.time = m_time + stamp;
    if (event.time.count() > k_max_time_us) {
      return util::fail(util::ErrorKind::corrupt, "the event times add up to more than 31 years");
    }
  }
  event.code = value[1].get<std::string>();
  event.data_is_string = value[2].is_string();
  // Moved, not copied: the data may be most of a 64 MiB line.
  event.data = event.data_is_string ? std::move(value[2].get_ref<std::string&>())
                                    : value[2].dump(-1, ' ', false, json::error_handler_t::replace);
  m_time = event.time;
  return event;
}

util::Result<std::optional<format::EventData>> to_event_data(const AsciicastEvent& event)
{
  using namespace format;
  if (event.code.size() != 1 ||
      std::string_view("oirmx").find(event.code[0]) == std::string::npos) {
    return std::nullopt; // a code this version does not know: readers skip it
  }
  if (!event.data_is_string) {
    return util::fail(
        util::ErrorKind::corrupt, "the data of an \"{}\" event is not a string", event.code);
  }
  const std::string& data = event.data;
  switch (event.code[0]) {
  case 'o':
    return EventData(Output{data});
  case 'i':
    return EventData(Input{data});
  case 'm':
    return EventData(Marker{data});
  case 'r': {
    const std::size_t x = data.find('x');
    const auto number = [](std::string_view digits) -> std::optional<std::uint16_t> {
      if (digits.empty() || digits.size() > 5 ||
          digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
      }
      const auto value = std::stoul(std::string(digits));
      if (value < 1 || value > 65535) {
        return std::nullopt;
      }
      return static_cast<std::uint16_t>(value);
    };
    const auto cols =
        x == std::string::npos ? std::nullopt : number(std::string_view(data).substr(0, x));
    const auto rows =
        x == std::string::npos ? std::nullopt : number(std::string_view(data).substr(x + 1));
    if (!cols || !rows) {
      return util::fail(util::ErrorKind::corrupt,
                        "resize data {} is not COLSxROWS (each 1 to 65535)",
                        json_string(data));
    }
    return EventData(Resize{*cols, *rows});
  }
  default: { // 'x': the exit status of the session's main process
    End end;
    const bool numeric =
        !data.empty() && data.size() <= 10 &&
        data.find_first_not_of("0123456789", data[0] == '-' ? 1 : 0) == std::string::npos &&
        data != "-";
    const long long value = numeric ? std::stoll(data) : 0;
    if (numeric && value >= std::numeric_limits<std::int32_t>::min() &&
        value <= std::numeric_limits<std::int32_t>::max()) {
      end.termination = Termination::exited;
      end.value = static_cast<std::int32_t>(value);
    } else {
      end.termination = Termination::other;
      end.reason = data;
    }
    return EventData(end);
  }
  }
}

format::Metadata imported_metadata(const AsciicastHeader& header,
                                   const std::string& source_path,
                                   const std::string& source_sha256,
                                   std::int64_t now_unix_ns)
{
  format::Metadata m;
  m.start_unix_ns = header.start_unix_ns.value_or(now_unix_ns);
  m.session_id = format::new_session_id(m.start_unix_ns);
  m.command = header.command;
  m.shell = header.shell;
  m.term = header.term;
  m.cols = header.cols;
  m.rows = header.rows;
  m.recorder_name = "shelltrail";
  m.recorder_version = ST_VERSION;
  const bool v2 = header.version == AsciicastVersion::v2;
  m.origin = v2 ? "imported:asciicast-v2" : "imported:asciicast-v3";
  // Who recorded the cast, and whether it was changed before the import, nobody can tell: the
  // hash chain starts here. "signed": false says so to tools that look for it.
  m.document = json::object();
  m.document["imported"] = {
      {"format", std::string(to_string(header.version))},
      {"file", source_path},
      {"sha256", source_sha256},
      {"imported_at", util::to_rfc3339(now_unix_ns)},
      {"start_known", header.start_unix_ns.has_value()},
      {"signed", false},
      {"header", header.document},
  };
  return m;
}

util::Result<ImportResult> import_asciicast(const std::string& path, const CreateRecording& create)
{
  const auto at_line = [&path](std::uint64_t number, const util::Error& error) {
    return util::Error(error.kind(), fmt::format("{}:{}: {}", path, number, error.message()));
  };
  ST_TRY_ASSIGN(const util::Fd fd, util::open_file(path, O_RDONLY));
  ST_TRY_ASSIGN(const std::string sha256, sha256_of_file(fd));

  LineReader lines(fd);
  auto first = lines.next(k_max_header_bytes);
  if (!first || !*first) {
    return util::fail(util::ErrorKind::unsupported,
                      "{}: not an asciicast file: {}",
                      path,
                      !first ? "its first line is too long for a header" : "it is empty");
  }
  auto header = parse_asciicast_header(**first);
  if (!header) {
    return util::fail(header.error().kind() == util::ErrorKind::unsupported
                          ? util::Error(header.error().kind(),
                                        fmt::format("{}: {}", path, header.error().message()))
                          : at_line(1, header.error()));
  }
  ImportResult result;
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  result.metadata = imported_metadata(
      *header, error ? path : absolute.lexically_normal().string(), sha256, util::wall_clock_ns());
  ST_TRY_ASSIGN(format::RecordingWriter writer, create(result.metadata));

  AsciicastEventParser parser(header->version);
  std::uint64_t number = 1;
  for (;;) {
    ++number;
    auto line = lines.next(k_max_asciicast_line_bytes);
    if (!line) {
      return util::fail(at_line(number, line.error()));
    }
    if (!*line) {
      break;
    }
    auto event = parser.parse(**line);
    if (!event) {
      return util::fail(at_line(number, event.error()));
    }
    if (!*event) {
      continue;
    }
    auto data = to_event_data(**event);
    if (!data) {
      return util::fail(at_line(number, data.error()));
    }
    if (!*data) {
      ++result.skipped_events;
      continue;
    }
    if (auto* end = std::get_if<format::End>(&**data)) {
      end->end_unix_ns = result.metadata.start_unix_ns + (*event)->time.count() * 1000;
    }
    ST_TRY_CONTEXT(writer.write((*event)->time, **data), "writing the recording");
    ++result.events;
    result.duration = (*event)->time;
  }
  ST_TRY_CONTEXT(writer.finish(result.duration), "writing the recording");
  ST_TRY_CONTEXT(writer.close(), "writing the recording");
  return result;
}

} // namespace shelltrail::export_
