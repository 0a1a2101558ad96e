// Throughput of the terminal model (issue 4: at least 40 MB/s of realistic output on one core)
// and, on the same data, of libvterm's own screen layer, which the model replaces.
// Data sets: "terminal" (SyntheticOutput: coloured ls, compiler and log lines, prompts, progress
// bars, UTF-8), "scrolling-colour" (SGR-coloured lines that scroll, wrapping long lines).
// Size per run: ST_BENCH_MB (default 64). Run: build/bench/term_bench

#include "term/terminal_model.hpp"

#include "support/synthetic_output.hpp"

#include <benchmark/benchmark.h>
#include <vterm.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

namespace shelltrail {
namespace {

std::size_t bench_bytes()
{
  const char* mb = std::getenv("ST_BENCH_MB");
  return static_cast<std::size_t>(mb != nullptr ? std::strtoull(mb, nullptr, 10) : 64) << 20;
}

// Coloured lines that scroll: ls --color, compiler diagnostics, and lines longer than the screen.
std::string scrolling_colour(std::size_t size)
{
  std::mt19937 rng(5);
  std::string out;
  while (out.size() < size) {
    switch (rng() % 3) {
    case 0:
      for (int i = 0; i < 6; ++i) {
        out += "\x1b[01;3" + std::to_string(1 + rng() % 6) + "mentry_" +
               std::to_string(rng() % 1000) + "\x1b[0m  ";
      }
      break;
    case 1:
      out += "\x1b[1msrc/term/screen.cpp:" + std::to_string(rng() % 900) +
             ":12: \x1b[1;31merror: \x1b[0m\x1b[1mno member named 'cells' in 'Row'\x1b[0m";
      break;
    default:
      for (int i = 0; i < 30; ++i) {
        out += "\x1b[38;5;" + std::to_string(rng() % 256) + "mword" + std::to_string(i) + ' ';
      }
      out += "\x1b[0m";
      break;
    }
    out += "\r\n";
  }
  return out;
}

const std::string& data_set(int which)
{
  static std::string sets[2];
  std::string& data = sets[which];
  if (data.empty()) {
    constexpr std::size_t k_size = 8 << 20;
    if (which == 0) {
      test::SyntheticOutput(1).append(data, k_size);
    } else {
      data = scrolling_colour(k_size);
    }
  }
  return data;
}

template <typename Feed>
void run(benchmark::State& state, Feed&& feed)
{
  const std::string& data = data_set(static_cast<int>(state.range(0)));
  const std::size_t total = bench_bytes();
  for (auto _ : state) {
    std::size_t done = 0;
    while (done < total) {
      for (std::size_t at = 0; at < data.size() && done < total; at += 65536) {
        const std::string_view part = std::string_view(data).substr(at, 65536);
        feed(part);
        done += part.size();
      }
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(total));
  state.SetLabel(state.range(0) == 0 ? "terminal" : "scrolling-colour");
}

void BM_TerminalModel(benchmark::State& state)
{
  term::TerminalModel model(term::Size{120, 40});
  run(state, [&](std::string_view bytes) { model.feed(bytes); });
}

void BM_LibvtermScreen(benchmark::State& state)
{
  std::unique_ptr<VTerm, decltype(&vterm_free)> vt(vterm_new(40, 120), &vterm_free);
  vterm_set_utf8(vt.get(), 1);
  vterm_output_set_callback(
      vt.get(), [](const char*, std::size_t, void*) {}, nullptr);
  VTermScreen* screen = vterm_obtain_screen(vt.get());
  vterm_screen_enable_altscreen(screen, 1);
  vterm_screen_reset(screen, 1);
  run(state,
      [&](std::string_view bytes) { vterm_input_write(vt.get(), bytes.data(), bytes.size()); });
}

// libvterm's parser and state alone, with no screen: the ceiling of the model's approach.
void BM_LibvtermState(benchmark::State& state)
{
  std::unique_ptr<VTerm, decltype(&vterm_free)> vt(vterm_new(40, 120), &vterm_free);
  vterm_set_utf8(vt.get(), 1);
  vterm_output_set_callback(
      vt.get(), [](const char*, std::size_t, void*) {}, nullptr);
  VTermState* vstate = vterm_obtain_state(vt.get());
  vterm_state_reset(vstate, 1);
  run(state,
      [&](std::string_view bytes) { vterm_input_write(vt.get(), bytes.data(), bytes.size()); });
}

BENCHMARK(BM_TerminalModel)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LibvtermScreen)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LibvtermState)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace shelltrail

BENCHMARK_MAIN();
