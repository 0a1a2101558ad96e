#include "player/keyframes.hpp"

#include "util/bytes.hpp"
#include "util/file.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace shelltrail::player {
namespace {

constexpr int k_cache_version = 1;
constexpr std::size_t k_max_index_bytes = 64U << 20;

nlohmann::json to_json(const format::ReadStats& s)
{
  return {{"events", s.event_count},
          {"output", s.output_bytes},
          {"input", s.input_bytes},
          {"redacted", s.redacted_bytes},
          {"chunks", s.chunk_count},
          {"frames", s.frame_count},
          {"last_us", s.last_time.count()}};
}

format::ReadStats stats_from(const nlohmann::json& j)
{
  format::ReadStats s;
  s.event_count = j.at("events").get<std::uint64_t>();
  s.output_bytes = j.at("output").get<std::uint64_t>();
  s.input_bytes = j.at("input").get<std::uint64_t>();
  s.redacted_bytes = j.at("redacted").get<std::uint64_t>();
  s.chunk_count = j.at("chunks").get<std::uint64_t>();
  s.frame_count = j.at("frames").get<std::uint64_t>();
  s.last_time = std::chrono::microseconds(j.at("last_us").get<std::int64_t>());
  return s;
}

std::optional<format::Hash> hash_from_hex(const std::string& hex)
{
  format::Hash hash{};
  if (hex.size() != hash.size() * 2) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < hash.size(); ++i) {
    unsigned value = 0;
    for (const char c : hex.substr(i * 2, 2)) {
      const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (digit < 0) {
        return std::nullopt;
      }
      value = value * 16 + static_cast<unsigned>(digit);
    }
    hash[i] = static_cast<std::byte>(value);
  }
  return hash;
}

} // namespace

term::Size initial_size(const format::Metadata& metadata)
{
  return term::Size{metadata.cols > 0 ? metadata.cols : 80, metadata.rows > 0 ? metadata.rows : 24};
}

util::Result<FileIdentity> identify_file(const std::string& path)
{
  struct stat st
  {};
  if (::stat(path.c_str(), &st) != 0) {
    return util::fail(util::Error::from_errno(errno, path));
  }
  FileIdentity id;
  id.device = st.st_dev;
  id.inode = st.st_ino;
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return id;
}

util::Result<Keyframes> Keyframes::build(const std::string& path, const Options& options)
{
  Keyframes keyframes;
  ST_TRY_ASSIGN(keyframes.m_file, identify_file(path));
  ST_TRY_ASSIGN(format::RecordingReader reader, format::RecordingReader::open(path));
  term::TerminalModel model(initial_size(reader.metadata()));
  std::uint64_t output = 0;
  std::uint64_t last_keyframe_output = 0;
  std::uint64_t progress_at = 0;
  std::chrono::microseconds last_time{0};
  for (;;) {
    auto event = reader.next();
    if (!event) {
      break; // damaged: the keyframes before the damage still serve
    }
    if (!*event) {
      break;
    }
    last_time = (*event)->time;
    feed_event(model, **event);
    if (const std::string_view* bytes = format::payload_bytes((*event)->data);
        bytes != nullptr && !std::holds_alternative<format::Input>((*event)->data)) {
      output += bytes->size();
    }
    if (output - last_keyframe_output < options.interval_bytes) {
      continue;
    }
    if (const auto point = reader.boundary()) {
      Keyframe keyframe;
      keyframe.time = last_time;
      keyframe.output_bytes = output;
      keyframe.point = *point;
      keyframe.size = model.size();
      keyframes.m_repaints.push_back(model.repaint());
      keyframe.repaint_len = keyframes.m_repaints.back().size();
      keyframes.m_keyframes.push_back(keyframe);
      last_keyframe_output = output;
      if (options.progress && point->frame_offset - progress_at >= (16U << 20)) {
        options.progress(point->frame_offset, keyframes.m_file.size);
        progress_at = point->frame_offset;
      }
    }
  }
  return keyframes;
}

std::optional<Keyframes> Keyframes::load(const std::string& cache_path, const FileIdentity& file)
{
  auto fd = util::open_file(cache_path, O_RDONLY);
  if (!fd) {
    return std::nullopt;
  }
  std::string index;
  std::array<std::byte, 65536> buffer{};
  std::uint64_t offset = 0;
  for (;;) {
    auto n = util::read_at(*fd, offset, buffer);
    if (!n || *n == 0) {
      return std::nullopt;
    }
    const std::string_view got(reinterpret_cast<const char*>(buffer.data()), *n);
    const std::size_t newline = got.find('\n');
    index.append(got.substr(0, newline));
    if (newline != std::string_view::npos) {
      break;
    }
    offset += *n;
    if (index.size() > k_max_index_bytes) {
      return std::nullopt;
    }
  }
  const auto json = nlohmann::json::parse(index, nullptr, false);
  if (json.is_discarded() || !json.is_object() ||
      json.value("shelltrail_keyframes", 0) != k_cache_version) {
    return std::nullopt;
  }
  Keyframes keyframes;
  keyframes.m_cache_path = cache_path;
  const std::uint64_t blobs_at = index.size() + 1;
  try {
    const auto& f = json.at("recording");
    keyframes.m_file.device = f.at("device").get<std::uint64_t>();
    keyframes.m_file.inode = f.at("inode").get<std::uint64_t>();
    keyframes.m_file.size = f.at("size").get<std::uint64_t>();
    keyframes.m_file.mtime_ns = f.at("mtime_ns").get<std::int64_t>();
    if (!(keyframes.m_file == file)) {
      return std::nullopt;
    }
    for (const auto& k : json.at("keyframes")) {
      Keyframe keyframe;
      keyframe.time = std::chrono::microseconds(k.at("time_us").get<std::int64_t>());
      keyframe.output_bytes = k.at("output").get<std::uint64_t>();
      keyframe.point.frame_offset = k.at("frame_offset").get<std::uint64_t>();
      keyframe.point.seq = k.at("seq").get<std::uint64_t>();
      const auto hash = hash_from_hex(k.at("prev_hash").get<std::string>());
      if (!hash) {
        return std::nullopt;
      }
      keyframe.point.prev_hash = *hash;
      keyframe.point.event_time_us = k.at("event_time_us").get<std::uint64_t>();
      keyframe.point.stats = stats_from(k.at("stats"));
      keyframe.size = term::Size{k.at("cols").get<int>(), k.at("rows").get<int>()};
      keyframe.repaint_at = blobs_at + k.at("repaint_at").get<std::uint64_t>();
      keyframe.repaint_len = k.at("repaint_len").get<std::uint64_t>();
      if (keyframe.size.cols < 1 || keyframe.size.rows < 1 || keyframe.size.cols > 10000 ||
          keyframe.size.rows > 10000 || keyframe.repaint_len > (256U << 20)) {
        return std::nullopt;
      }
      keyframes.m_keyframes.push_back(keyframe);
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return keyframes;
}

util::Result<void> Keyframes::save(const std::string& cache_path) const
{
  nlohmann::json list = nlohmann::json::array();
  std::uint64_t at = 0;
  for (std::size_t i = 0; i < m_keyframes.size(); ++i) {
    const Keyframe& k = m_keyframes[i];
    list.push_back({{"time_us", k.time.count()},
                    {"output", k.output_bytes},
                    {"frame_offset", k.point.frame_offset},
                    {"seq", k.point.seq},
                    {"prev_hash", util::to_hex(k.point.prev_hash)},
                    {"event_time_us", k.point.event_time_us},
                    {"stats", to_json(k.point.stats)},
                    {"cols", k.size.cols},
                    {"rows", k.size.rows},
                    {"repaint_at", at},
                    {"repaint_len", k.repaint_len}});
    at += k.repaint_len;
  }
  const nlohmann::json index{{"shelltrail_keyframes", k_cache_version},
                             {"recording",
                              {{"device", m_file.device},
                               {"inode", m_file.inode},
                               {"size", m_file.size},
                               {"mtime_ns", m_file.mtime_ns}}},
                             {"keyframes", list}};
  std::string text = index.dump() + "\n";
  for (std::size_t i = 0; i < m_keyframes.size(); ++i) {
    ST_TRY_ASSIGN(const std::string blob, repaint(m_keyframes[i]));
    text += blob;
  }
  const std::size_t slash = cache_path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    ST_TRY(util::make_directories(cache_path.substr(0, slash), 0700));
  }
  const std::string temporary = fmt::format("{}.{}.tmp", cache_path, ::getpid());
  {
    ST_TRY_ASSIGN(util::Fd fd,
                  util::open_file(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600));
    ST_TRY(util::write_all(fd, util::as_bytes(text)));
  }
  if (::rename(temporary.c_str(), cache_path.c_str()) != 0) {
    const int error = errno;
    (void)::unlink(temporary.c_str());
    return util::fail(util::Error::from_errno(error, "rename " + cache_path));
  }
  return {};
}

const Keyframe* Keyframes::at_or_before(std::chrono::microseconds time) const
{
  auto after =
      std::upper_bound(m_keyframes.begin(),
                       m_keyframes.end(),
                       time,
                       [](std::chrono::microseconds t, const Keyframe& k) { return t < k.time; });
  return after == m_keyframes.begin() ? nullptr : &*(after - 1);
}

util::Result<std::string> Keyframes::repaint(const Keyframe& keyframe) const
{
  const auto index = static_cast<std::size_t>(&keyframe - m_keyframes.data());
  if (index < m_repaints.size()) {
    return m_repaints[index];
  }
  ST_TRY_ASSIGN(util::Fd fd, util::open_file(m_cache_path, O_RDONLY));
  std::string text(keyframe.repaint_len, '\0');
  ST_TRY_ASSIGN(
      const std::size_t n,
      util::read_at(fd,
                    keyframe.repaint_at,
                    std::span<std::byte>(reinterpret_cast<std::byte*>(text.data()), text.size())));
  if (n != text.size()) {
    return util::fail(util::ErrorKind::truncated, "{}: keyframe cut short", m_cache_path);
  }
  return text;
}

const std::vector<Keyframe>& Keyframes::all() const
{
  return m_keyframes;
}

const FileIdentity& Keyframes::file() const
{
  return m_file;
}

void feed_event(term::TerminalModel& model, const format::Event& event)
{
  if (const auto* out = std::get_if<format::Output>(&event.data)) {
    model.feed(out->bytes);
  } else if (const auto* err = std::get_if<format::ErrorOutput>(&event.data)) {
    model.feed(err->bytes);
  } else if (const auto* resize = std::get_if<format::Resize>(&event.data)) {
    model.resize(term::Size{resize->cols, resize->rows});
  }
}

util::Result<term::TerminalModel>
model_at(const std::string& path, const Keyframes* keyframes, std::chrono::microseconds target)
{
  const Keyframe* keyframe = keyframes != nullptr ? keyframes->at_or_before(target) : nullptr;
  std::optional<format::RecordingReader> reader;
  std::optional<term::TerminalModel> model;
  if (keyframe != nullptr) {
    ST_TRY_ASSIGN(format::RecordingReader opened,
                  format::RecordingReader::open_at(path, keyframe->point));
    ST_TRY_ASSIGN(const std::string repaint, keyframes->repaint(*keyframe));
    model.emplace(keyframe->size);
    model->feed(repaint);
    reader.emplace(std::move(opened));
  } else {
    ST_TRY_ASSIGN(format::RecordingReader opened, format::RecordingReader::open(path));
    model.emplace(initial_size(opened.metadata()));
    reader.emplace(std::move(opened));
  }
  for (;;) {
    ST_TRY_ASSIGN(auto event, reader->next());
    if (!event || event->time > target) {
      break;
    }
    feed_event(*model, *event);
  }
  return std::move(*model);
}

std::string keyframe_cache_path(const std::string& session_id)
{
  std::string base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    base = std::string(home) + "/.cache";
  } else {
    base = "/tmp";
  }
  return fmt::format("{}/shelltrail/keyframes/{}.keys", base, session_id);
}

} // namespace shelltrail::player
