// Writer and reader throughput of the recording format, and the compression it reaches, on
// realistic terminal output (issue: "Foundation", performance):
//   writer >= 250 MB/s on one core with the default settings, reader >= 800 MB/s,
//   stored size <= 1/4 of the output on text-like output.
// Data sets: "terminal" (SyntheticOutput: coloured ls, logs, prompts, progress bars, UTF-8),
// "headers" (the C headers in /usr/include, as the recorder benchmark uses), "random" (base64).
// Size per run: ST_BENCH_MB (default 1024). Run: build/bench/format_bench

#include "format/recording_writer.hpp"
#include "format/verify.hpp"

#include "support/sample_recording.hpp"
#include "support/synthetic_output.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

namespace shelltrail {
namespace {

std::uint64_t bench_bytes()
{
  const char* mb = std::getenv("ST_BENCH_MB");
  return (mb != nullptr ? std::strtoull(mb, nullptr, 10) : 1024) << 20;
}

// 16 MiB of a data set, cycled through to make up the benchmark size.
const std::string& data_set(int which)
{
  static std::string sets[3];
  std::string& data = sets[which];
  if (!data.empty()) {
    return data;
  }
  constexpr std::size_t k_size = 16 << 20;
  if (which == 0) {
    test::SyntheticOutput(11).append(data, k_size);
  } else if (which == 1) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             "/usr/include", std::filesystem::directory_options::skip_permission_denied)) {
      if (data.size() >= k_size) {
        break;
      }
      if (entry.is_regular_file() && entry.path().extension() == ".h") {
        std::ifstream in(entry.path(), std::ios::binary);
        data.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
    }
  } else {
    static constexpr char k_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::mt19937_64 random(5);
    while (data.size() < k_size) {
      for (int i = 0; i < 76; ++i) {
        data += k_alphabet[random() % 64];
      }
      data += "\r\n";
    }
  }
  return data;
}

const char* k_names[] = {"terminal", "headers", "random"};

std::string bench_path(int which)
{
  return (std::filesystem::temp_directory_path() /
          (std::string("shelltrail-bench-") + k_names[which] + ".strec"))
      .string();
}

void write_recording(int which, std::uint64_t total, format::WriterStats& stats)
{
  const std::string& data = data_set(which);
  const std::string path = bench_path(which);
  std::filesystem::remove(path);
  auto writer = format::RecordingWriter::create(path, test::sample_metadata(), {});
  if (!writer) {
    std::abort();
  }
  std::uint64_t written = 0;
  std::int64_t t = 0;
  std::size_t at = 0;
  while (written < total) {
    // 4 KiB, as a pty read delivers it.
    if (at + 4096 > data.size()) {
      at = 0;
    }
    const std::string_view piece(data.data() + at, 4096);
    at += 4096;
    if (!writer->write(std::chrono::microseconds(t += 10), format::Output{piece})) {
      std::abort();
    }
    written += piece.size();
  }
  if (!writer->finish(std::chrono::microseconds(t)) || !writer->close()) {
    std::abort();
  }
  stats = writer->stats();
}

void BM_Write(benchmark::State& state)
{
  const int which = static_cast<int>(state.range(0));
  const std::uint64_t total = bench_bytes();
  format::WriterStats stats;
  data_set(which);
  for (auto _ : state) {
    write_recording(which, total, stats);
  }
  state.SetLabel(k_names[which]);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total));
  state.counters["stored_per_output_byte"] =
      static_cast<double>(stats.file_bytes) / static_cast<double>(total);
  state.counters["compression_x"] =
      static_cast<double>(total) / static_cast<double>(stats.file_bytes);
}

void BM_Read(benchmark::State& state)
{
  const int which = static_cast<int>(state.range(0));
  const std::uint64_t total = bench_bytes();
  if (!std::filesystem::exists(bench_path(which))) {
    format::WriterStats stats;
    write_recording(which, total, stats);
  }
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    const auto report = format::verify_recording(bench_path(which), [&](const format::Event& e) {
      bytes += std::get<format::Output>(e.data).bytes.size();
    });
    if (!report || report->verdict != format::Verdict::ok || bytes != total) {
      state.SkipWithError("read back failed");
    }
  }
  state.SetLabel(k_names[which]);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total));
}

BENCHMARK(BM_Write)->DenseRange(0, 2)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Read)->DenseRange(0, 2)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
} // namespace shelltrail

BENCHMARK_MAIN();
