// Seek benchmark (issue: seek to any point of a 1 GB recording in under 0.2 s, median and worst
// over 50 random points; `play --speed 1000` of it in under 32 MB RSS).
//
//   seek_bench [--mb N] [--seeks N] [--shelltrail PATH] [--dir DIR]
//
// Writes a recording of N MiB of realistic output (test::SyntheticOutput: coloured ls, compiler
// and log lines, a full-screen stretch now and then) in the recorder's live framing, builds its
// keyframes (timed: a one-off cost per recording), then times model_at() — the player's seek
// path: keyframe, reader resumed at its frame, model fed up to the target — at random points.
// With --shelltrail, also runs `shelltrail play --speed 1000 FILE >/dev/null` and reports its
// peak RSS.

#include "format/recording_writer.hpp"
#include "player/keyframes.hpp"

#include "support/sample_recording.hpp"
#include "support/synthetic_output.hpp"

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace shelltrail;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv)
{
  std::size_t mb = 1024;
  int seeks = 50;
  std::string shelltrail_path;
  std::string dir = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--mb") {
      mb = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (flag == "--seeks") {
      seeks = std::atoi(argv[i + 1]);
    } else if (flag == "--shelltrail") {
      shelltrail_path = argv[i + 1];
    } else if (flag == "--dir") {
      dir = argv[i + 1];
    }
  }
  const std::string file = fmt::format("{}/seek-bench-{}.strec", dir, ::getpid());
  const std::string cache = file + ".keys";

  auto start = Clock::now();
  format::Metadata metadata = test::sample_metadata();
  metadata.cols = 120;
  metadata.rows = 40;
  auto writer = format::RecordingWriter::create(file, metadata, {});
  if (!writer) {
    fmt::print(stderr, "seek_bench: {}\n", writer.error().message());
    return 1;
  }
  test::SyntheticOutput output(11);
  std::chrono::microseconds time{0};
  std::size_t written = 0;
  int piece = 0;
  std::string text;
  while (written < mb << 20) {
    text.clear();
    output.append(text, 4000);
    if (piece % 2000 == 1000) {
      text += "\x1b[?1049h\x1b[H\x1b[2J\x1b[7mFULL SCREEN\x1b[m\x1b[20;5Hediting ...";
    } else if (piece % 2000 == 1500) {
      text += "\x1b[?1049l";
    }
    (void)writer->write(time, format::Output{text});
    written += text.size();
    time += std::chrono::microseconds(2000);
    ++piece;
  }
  (void)writer->finish(time);
  const std::chrono::microseconds end = time;
  fmt::print("recording: {} MiB of output, {} s of session, written in {:.1f} s\n",
             written >> 20,
             end.count() / 1'000'000,
             seconds_since(start));

  start = Clock::now();
  auto keyframes = player::Keyframes::build(file, {});
  if (!keyframes) {
    fmt::print(stderr, "seek_bench: {}\n", keyframes.error().message());
    return 1;
  }
  const double build_s = seconds_since(start);
  (void)keyframes->save(cache);
  fmt::print("keyframes: {} (one per 2 MiB of output), built in {:.1f} s ({:.0f} MB/s through "
             "the terminal model)\n",
             keyframes->all().size(),
             build_s,
             static_cast<double>(written) / 1e6 / build_s);
  const auto identity = player::identify_file(file);
  auto loaded = player::Keyframes::load(cache, *identity);

  std::mt19937_64 random(5);
  std::vector<double> times;
  for (int i = 0; i < seeks; ++i) {
    const std::chrono::microseconds target(
        std::uniform_int_distribution<std::int64_t>(0, end.count())(random));
    start = Clock::now();
    auto model = player::model_at(file, &*loaded, target);
    times.push_back(seconds_since(start));
    if (!model) {
      fmt::print(stderr, "seek_bench: {}\n", model.error().message());
      return 1;
    }
  }
  std::sort(times.begin(), times.end());
  fmt::print("seek ({} random points, keyframes from the cache file): median {:.3f} s, worst "
             "{:.3f} s\n",
             seeks,
             times[times.size() / 2],
             times.back());

  if (!shelltrail_path.empty()) {
    start = Clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::execl(shelltrail_path.c_str(),
              "shelltrail",
              "play",
              "--speed",
              "1000",
              "--no-keyframe-cache",
              file.c_str(),
              nullptr);
      ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    fmt::print("play --speed 1000 to /dev/null: exit {}, {:.1f} s, peak RSS {:.1f} MiB\n",
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
               seconds_since(start),
               static_cast<double>(usage.ru_maxrss) / 1024);
  }
  ::unlink(file.c_str());
  ::unlink(cache.c_str());
  return 0;
}
