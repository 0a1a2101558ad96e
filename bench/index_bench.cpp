// Index benchmark (issue 5): writes N recordings (default 1000 sessions, 1024 MiB of output in
// all: prompts, typed commands and coloured scrolling output from 20 operators on 5 jump boxes
// over 30 days), indexes them into a new SQLite index on one thread, then runs a mix of searches.
// Prints indexing throughput, the index size next to the output text and the recordings, and the
// median and worst search time (each search opens the index, as a `shelltrail search` does).
//
//   build/bench/index_bench [--mb 1024] [--sessions 1000] [--dir /tmp] [--keep]

#include "format/recording_writer.hpp"
#include "format/session_id.hpp"
#include "index/indexer.hpp"
#include "index/sqlite_store.hpp"

#include "support/sample_recording.hpp"
#include "support/synthetic_output.hpp"

#include <fmt/core.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

using namespace shelltrail;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_seconds()
{
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::uint64_t file_size(const std::string& path)
{
  struct stat st
  {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

constexpr std::int64_t k_day_ns = 86'400'000'000'000;
constexpr std::int64_t k_first_start_ns = 1'790'000'000'000'000'000; // 2026-09-22

struct Query
{
  std::string what;
  index::SearchQuery query;
};

} // namespace

int main(int argc, char** argv)
{
  std::size_t mb = 1024;
  int sessions = 1000;
  std::string dir = "/tmp";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--keep") {
      keep = true;
    } else if (i + 1 < argc && flag == "--mb") {
      mb = std::strtoull(argv[++i], nullptr, 10);
    } else if (i + 1 < argc && flag == "--sessions") {
      sessions = std::atoi(argv[++i]);
    } else if (i + 1 < argc && flag == "--dir") {
      dir = argv[++i];
    }
  }
  const std::string root = fmt::format("{}/index-bench-{}", dir, ::getpid());
  std::filesystem::create_directories(root + "/spool");

  // --- the recordings ---
  auto start = Clock::now();
  const std::size_t per_session = (mb << 20) / static_cast<std::size_t>(sessions);
  std::mt19937_64 random(7);
  test::SyntheticOutput output(3);
  std::vector<std::string> files;
  std::uint64_t output_bytes = 0;
  std::uint64_t recording_bytes = 0;
  const char* const commands[] = {"ls -la",
                                  "systemctl status nginx",
                                  "tail -n 200 /var/log/syslog",
                                  "git log --oneline",
                                  "make -j2",
                                  "journalctl -u postgresql",
                                  "df -h",
                                  "ps aux",
                                  "cat /etc/hosts",
                                  "grep -r timeout /etc/app"};
  for (int n = 0; n < sessions; ++n) {
    format::Metadata metadata = test::sample_metadata();
    metadata.start_unix_ns =
        k_first_start_ns + static_cast<std::int64_t>(n) * (30 * k_day_ns / sessions);
    metadata.session_id = format::new_session_id(metadata.start_unix_ns);
    metadata.user = fmt::format("op{}", n % 20);
    metadata.host = fmt::format("jump-{}", n % 5);
    metadata.cols = 120;
    metadata.rows = 40;
    const std::string path = fmt::format("{}/spool/{:04}-{}.strec", root, n, metadata.session_id);
    auto writer = format::RecordingWriter::create(path, metadata, {});
    if (!writer) {
      fmt::print(stderr, "index_bench: {}\n", writer.error().message());
      return 1;
    }
    std::chrono::microseconds time{0};
    std::size_t written = 0;
    std::string text;
    int cycle = 0;
    while (written < per_session) {
      const std::string target = fmt::format("db-{}", random() % 8);
      std::string command = commands[random() % std::size(commands)];
      if (cycle == 3 && n % 200 == 0) {
        command = "rm -f /etc/passwd";
      }
      text =
          fmt::format("\x1b[01;32m{}@{}\x1b[00m:\x1b[01;34m~/srv\x1b[00m$ ", metadata.user, target);
      (void)writer->write(time, format::Output{text});
      time += std::chrono::milliseconds(800);
      (void)writer->write(time, format::Input{command + "\r"});
      time += std::chrono::milliseconds(2);
      text = command + "\r\n";
      output.append(text, 200 + random() % 6000);
      text += fmt::format("request {:016x} finished in {} ms (session marker s{}c{})\r\n",
                          random(),
                          random() % 5000,
                          n,
                          cycle);
      (void)writer->write(time, format::Output{text});
      written += text.size();
      time += std::chrono::milliseconds(50);
      ++cycle;
    }
    (void)writer->finish(time);
    output_bytes += written;
    recording_bytes += file_size(path);
    files.push_back(path);
  }
  fmt::print("recordings: {} sessions, {:.0f} MiB of output, {:.0f} MiB of recordings, written in "
             "{:.1f} s\n",
             sessions,
             static_cast<double>(output_bytes) / 1048576.0,
             static_cast<double>(recording_bytes) / 1048576.0,
             seconds_since(start));

  // --- indexing ---
  const std::string index_path = root + "/spool/index.sqlite";
  std::uint64_t text_bytes = 0;
  {
    auto store = index::open_sqlite_store(index_path, index::OpenMode::rebuild);
    auto prompts = index::PromptParser::make();
    if (!store || !prompts) {
      fmt::print(stderr, "index_bench: cannot open the index\n");
      return 1;
    }
    start = Clock::now();
    const double cpu_start = cpu_seconds();
    for (const std::string& file : files) {
      auto result = index::index_recording(**store, *prompts, file, true);
      if (!result || result->unreadable) {
        fmt::print(stderr, "index_bench: {}: indexing failed\n", file);
        return 1;
      }
      text_bytes += result->text_bytes;
    }
    const double wall = seconds_since(start);
    const double cpu = cpu_seconds() - cpu_start;
    fmt::print("indexing: {:.1f} s wall, {:.1f} s CPU: {:.1f} MB/s of recorded output per core\n",
               wall,
               cpu,
               static_cast<double>(output_bytes) / 1e6 / cpu);
  }
  const std::uint64_t index_bytes = file_size(index_path) + file_size(index_path + "-wal");
  fmt::print("index: {:.0f} MiB = {:.2f} x the screen text it covers ({:.0f} MiB), {:.2f} x the "
             "recorded output; the recordings: {:.0f} MiB\n",
             static_cast<double>(index_bytes) / 1048576.0,
             static_cast<double>(index_bytes) / static_cast<double>(text_bytes),
             static_cast<double>(text_bytes) / 1048576.0,
             static_cast<double>(index_bytes) / static_cast<double>(output_bytes),
             static_cast<double>(recording_bytes) / 1048576.0);

  // --- searches ---
  std::vector<Query> queries;
  const auto add = [&](std::string what, index::SearchQuery query) {
    queries.push_back({std::move(what), std::move(query)});
  };
  for (int i = 0; i < 10; ++i) {
    const int n = static_cast<int>(random() % static_cast<std::uint64_t>(sessions));
    index::SearchQuery q;
    q.text = fmt::format("marker s{}c2", n);
    add("a marker seen once, in output", q);
  }
  for (int i = 0; i < 5; ++i) {
    index::SearchQuery q;
    q.text = "passwd";
    add("passwd (a few commands)", q);
  }
  for (const char* word : {"timeout", "error", "connection", "-rf", "zzzqqq", "/var/log"}) {
    index::SearchQuery q;
    q.text = word;
    add(fmt::format("{} (both)", word), q);
  }
  for (int i = 0; i < 10; ++i) {
    index::SearchQuery q;
    q.text = i % 2 == 0 ? "failed" : "journalctl";
    q.user = fmt::format("op{}", random() % 20);
    add(fmt::format("{} --user", q.text), q);
  }
  for (int i = 0; i < 10; ++i) {
    index::SearchQuery q;
    q.text = i % 2 == 0 ? "warning" : "systemctl";
    q.host = fmt::format("db-{}", random() % 8);
    add(fmt::format("{} --host db-N", q.text), q);
  }
  for (int i = 0; i < 9; ++i) {
    index::SearchQuery q;
    q.text = "replica";
    q.since_ns = k_first_start_ns + static_cast<std::int64_t>(random() % 28) * k_day_ns;
    q.until_ns = *q.since_ns + 2 * k_day_ns;
    add("replica --since --until (2 days)", q);
  }
  std::vector<std::pair<double, std::string>> times;
  for (const Query& q : queries) {
    start = Clock::now();
    auto store = index::open_sqlite_store(index_path, index::OpenMode::read);
    if (!store) {
      fmt::print(stderr, "index_bench: {}\n", store.error().message());
      return 1;
    }
    auto hits = (*store)->search(q.query);
    const double took = seconds_since(start);
    if (!hits) {
      fmt::print(stderr, "index_bench: {}: {}\n", q.what, hits.error().message());
      return 1;
    }
    times.emplace_back(took, fmt::format("{} ({} hits)", q.what, hits->size()));
  }
  std::sort(times.begin(), times.end());
  fmt::print("search ({} queries, each opening the index): median {:.1f} ms, worst {:.1f} ms "
             "[{}]\n",
             times.size(),
             times[times.size() / 2].first * 1000,
             times.back().first * 1000,
             times.back().second);
  if (!keep) {
    std::filesystem::remove_all(root);
  } else {
    fmt::print("kept: {}\n", root);
  }
  return 0;
}
