#include "player/output_sanitizer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace shelltrail::player {
namespace {

using namespace std::string_literals;

struct Case
{
  const char* name;
  std::string input;
  std::string expected;
  std::vector<std::pair<DropKind, std::uint64_t>> dropped; // kinds not listed: 0
};

struct Result
{
  std::string output;
  DropCounts counts;
};

Result run_whole(const std::string& input)
{
  OutputSanitizer sanitizer;
  Result result;
  result.output = sanitizer.sanitize(input);
  result.counts = sanitizer.counts();
  return result;
}

// The same input fed in pieces cut at `cuts` (offsets, ascending).
Result run_split(const std::string& input, const std::vector<std::size_t>& cuts)
{
  OutputSanitizer sanitizer;
  Result result;
  std::size_t start = 0;
  for (const std::size_t cut : cuts) {
    sanitizer.feed(std::string_view(input).substr(start, cut - start), result.output);
    start = cut;
  }
  sanitizer.feed(std::string_view(input).substr(start), result.output);
  sanitizer.finish(result.output);
  result.counts = sanitizer.counts();
  return result;
}

// Every way of cutting the input once, and one byte at a time, gives the same result.
void expect_split_invariant(const std::string& input, const Result& whole)
{
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    const Result split = run_split(input, {cut});
    ASSERT_EQ(split.output, whole.output) << "cut at " << cut;
    ASSERT_EQ(split.counts.by_kind, whole.counts.by_kind) << "cut at " << cut;
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < input.size(); ++i) {
    every.push_back(i);
  }
  const Result bytewise = run_split(input, every);
  EXPECT_EQ(bytewise.output, whole.output) << "one byte at a time";
  EXPECT_EQ(bytewise.counts.by_kind, whole.counts.by_kind) << "one byte at a time";
}

bool is_valid_utf8_without_c1(std::string_view text)
{
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t size = 1;
    std::uint32_t code = lead;
    if (lead >= 0xf0 && lead <= 0xf4) {
      size = 4;
      code = lead & 0x07U;
    } else if (lead >= 0xe0) {
      size = 3;
      code = lead & 0x0fU;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      size = 2;
      code = lead & 0x1fU;
    } else if (lead >= 0x80) {
      return false;
    }
    if (lead > 0xf4 || i + size > text.size()) {
      return false;
    }
    for (std::size_t k = 1; k < size; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if ((byte & 0xc0U) != 0x80) {
        return false;
      }
      code = (code << 6) | (byte & 0x3fU);
    }
    const bool overlong = (size == 3 && code < 0x800) || (size == 4 && code < 0x10000);
    if (overlong || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff ||
        (code >= 0x80 && code <= 0x9f)) {
      return false;
    }
    i += size;
  }
  return true;
}

// What must hold for any output: valid UTF-8 without C1 controls, no string sequence but
// hyperlinks, and nothing left to drop when filtered again.
void expect_safe(const std::string& output)
{
  EXPECT_TRUE(is_valid_utf8_without_c1(output));
  for (const char* forbidden : {"\x1bP", "\x1b_", "\x1b^", "\x1bX", "\x1b]52", "\x1b]0;", "\x05"}) {
    EXPECT_EQ(output.find(forbidden), std::string::npos) << "found " << forbidden;
  }
  std::size_t osc = output.find("\x1b]");
  while (osc != std::string::npos) {
    EXPECT_EQ(output.compare(osc, 4, "\x1b]8;"), 0);
    osc = output.find("\x1b]", osc + 1);
  }
  OutputSanitizer again;
  EXPECT_EQ(again.sanitize(output), output);
  EXPECT_EQ(again.counts().dropped(), 0U);
}

const std::vector<Case>& cases()
{
  static const std::vector<Case> all = {
      // --- kept: drawing ---
      {"plain_text", "hello, world\r\n", "hello, world\r\n", {}},
      {"utf8_text",
       "za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x99\x82",
       "za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x99\x82",
       {}},
      {"drawing_controls", "a\bb\tc\rd\ne\x07\x0e\x71\x0f", "a\bb\tc\rd\ne\x07\x0e\x71\x0f", {}},
      {"sgr_and_cursor",
       "\x1b[1;31mred\x1b[0m\x1b[38;2;1;2;3mrgb\x1b[38:5:208m\x1b[10;20H\x1b[2J\x1b[K\x1b[3A",
       "\x1b[1;31mred\x1b[0m\x1b[38;2;1;2;3mrgb\x1b[38:5:208m\x1b[10;20H\x1b[2J\x1b[K\x1b[3A",
       {}},
      {"insert_delete_scroll",
       "\x1b[2;20r\x1b[5L\x1b[3M\x1b[4@\x1b[2P\x1b[6X\x1b[S\x1b[2T\x1b[r\x1b[4b",
       "\x1b[2;20r\x1b[5L\x1b[3M\x1b[4@\x1b[2P\x1b[6X\x1b[S\x1b[2T\x1b[r\x1b[4b",
       {}},
      {"dec_drawing_modes",
       "\x1b[?1049h\x1b[?25l\x1b[?7h\x1b[?6l\x1b[?1h\x1b[?2004h\x1b[?47l\x1b[?1047h\x1b[?2026h\x1b["
       "4h",
       "\x1b[?1049h\x1b[?25l\x1b[?7h\x1b[?6l\x1b[?1h\x1b[?2004h\x1b[?47l\x1b[?1047h\x1b[?2026h\x1b["
       "4h",
       {}},
      {"escapes_and_charsets",
       "\x1b"
       "7\x1b"
       "8\x1b=\x1b>\x1b(0lqk\x1b(B\x1b)0\x1bM\x1b"
       "D\x1b"
       "E\x1b#8\x1b"
       "c",
       "\x1b"
       "7\x1b"
       "8\x1b=\x1b>\x1b(0lqk\x1b(B\x1b)0\x1bM\x1b"
       "D\x1b"
       "E\x1b#8\x1b"
       "c",
       {}},
      {"cursor_style_and_soft_reset",
       "\x1b[2 q\x1b[!p\x1b[?2J\x1b[1\"q\x1b[1;1;5;5$z",
       "\x1b[2 q\x1b[!p\x1b[?2J\x1b[1\"q\x1b[1;1;5;5$z",
       {}},
      {"controls_inside_csi_run_first", "\x1b[1\r;2H", "\r\x1b[1;2H", {}},
      {"st_alone_is_nothing", "a\x1b\\b", "ab", {}},
      {"del_passes", "a\x7f", "a\x7f", {}},

      // --- OSC ---
      {"osc52_clipboard_bel", "a\x1b]52;c;ZXZpbA==\x07z", "az", {{DropKind::clipboard, 1}}},
      {"osc52_clipboard_st", "a\x1b]52;c;?\x1b\\z", "az", {{DropKind::clipboard, 1}}},
      {"titles",
       "\x1b]0;pwned\x07\x1b]1;icon\x07\x1b]2;title\x1b\\\x1b]l dtterm\x1b\\ok",
       "ok",
       {{DropKind::title, 4}}},
      {"palette_and_colours",
       "\x1b]4;1;rgb:ff/00/00\x07\x1b]10;?\x07\x1b]11;#000000\x07\x1b]104\x07\x1b]112\x07x",
       "x",
       {{DropKind::colour, 5}}},
      {"font", "\x1b]50;?\x07\x1b]50;fixed\x07x", "x", {{DropKind::font, 2}}},
      {"notifications",
       "\x1b]7;file://host/tmp\x07\x1b]9;hi\x07\x1b]777;notify;a;b\x07\x1b]1337;File=x\x07.",
       ".",
       {{DropKind::notification, 4}}},
      {"unknown_osc",
       "\x1b]133;A\x07\x1b]46;/tmp/log\x07\x1b]\x07.",
       ".",
       {{DropKind::osc_other, 3}}},
      {"hyperlink_https_kept",
       "\x1b]8;;https://example.com/a?b=c\x1b\\link\x1b]8;;\x1b\\",
       "\x1b]8;;https://example.com/a?b=c\x1b\\link\x1b]8;;\x1b\\",
       {}},
      {"hyperlink_bel_becomes_st",
       "\x1b]8;id=1;mailto:a@b.c\x07mail\x1b]8;;\x07",
       "\x1b]8;id=1;mailto:a@b.c\x1b\\mail\x1b]8;;\x1b\\",
       {}},
      {"hyperlink_file_scheme_dropped_text_kept",
       "\x1b]8;;file:///etc/passwd\x1b\\passwd\x1b]8;;\x1b\\",
       "passwd\x1b]8;;\x1b\\",
       {{DropKind::hyperlink, 1}}},
      {"hyperlink_odd_schemes",
       "\x1b]8;;javascript:alert(1)\x07"
       "a\x1b]8;;ssh://h\x07"
       "b\x1b]8;;no-scheme\x07"
       "c",
       "abc",
       {{DropKind::hyperlink, 3}}},
      {"hyperlink_with_space_or_utf8",
       "\x1b]8;;http://a b\x07x\x1b]8;;http://\xc5\xbc\x07y",
       "xy",
       {{DropKind::hyperlink, 2}}},
      {"hyperlink_oversized",
       "\x1b]8;;https://x/"s + std::string(5000, 'a') + "\x07link",
       "link",
       {{DropKind::hyperlink, 1}}},
      {"osc_cancelled_by_can", "\x1b]2;t\x18x", "x", {{DropKind::title, 1}}},
      {"osc_ended_by_other_escape", "\x1b]2;t\x1b[1mx", "\x1b[1mx", {{DropKind::title, 1}}},
      {"unterminated_osc_at_end", "x\x1b]52;c;AAAA", "x", {{DropKind::clipboard, 1}}},

      // --- strings ---
      {"decrqss", "\x1bP$qm\x1b\\x", "x", {{DropKind::dcs, 1}}},
      {"tmux_passthrough",
       "\x1bPtmux;\x1b\x1b]52;c;ZXZpbA==\x07\x1b\\x",
       "x",
       {{DropKind::dcs, 1}, {DropKind::clipboard, 1}}},
      {"sixel", "\x1bPq#0;2;0;0;0#0~~@@vv@@~~$-\x1b\\x", "x", {{DropKind::dcs, 1}}},
      {"decudk", "\x1bP0;1|23/68656c6c6f\x1b\\x", "x", {{DropKind::dcs, 1}}},
      {"apc_pm_sos",
       "\x1b_Gf=100;AAAA\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\x",
       "x",
       {{DropKind::apc_pm_sos, 3}}},
      {"string_cancelled_by_sub",
       "\x1bPq#0\x1a"
       "x",
       "x",
       {{DropKind::dcs, 1}}},

      // --- queries ---
      {"device_attributes",
       "\x1b[c\x1b[0c\x1b[>c\x1b[>0c\x1b[=c\x1bZx",
       "x",
       {{DropKind::query, 6}}},
      {"status_reports", "\x1b[5n\x1b[6n\x1b[?6n\x1b[?15nx", "x", {{DropKind::query, 4}}},
      {"mode_reports", "\x1b[?25$p\x1b[4$p\x1b[>q\x1b[x\x1b[1x\x05x", "x", {{DropKind::query, 6}}},
      {"window_ops",
       "\x1b[14t\x1b[8;50;200t\x1b[22;0t\x1b[21t\x1b[3$|x",
       "x",
       {{DropKind::window, 5}}},
      {"other_reports",
       "\x1b[1;1;2;2;1*y\x1b[#|\x1b[?u\x1b[?2S\x1b[?4mx",
       "x",
       {{DropKind::query, 5}}},

      // --- input-changing modes ---
      {"mouse_modes",
       "\x1b[?1000h\x1b[?1002h\x1b[?1003h\x1b[?1006h\x1b[?1015h\x1b[?1004h\x1b[?9hx",
       "x",
       {{DropKind::mouse, 7}}},
      {"mixed_modes_keep_the_drawing_ones",
       "\x1b[?1049;1000;25h\x1b[?1006;1000l",
       "\x1b[?1049;25h",
       {{DropKind::mouse, 3}}},
      {"keyboard_protocols",
       "\x1b[>1u\x1b[=1;1u\x1b[<u\x1b[>4;1m\x1b[2h\x1b[12l\x1b[?1036hx",
       "x",
       {{DropKind::keyboard, 7}}},
      {"mouse_highlight", "\x1b[1;2;3;4;5T\x1b[3Tx", "\x1b[3Tx", {{DropKind::mouse, 1}}},
      {"printer", "\x1b[5i\x1b[4i\x1b[?5ix", "x", {{DropKind::printer, 3}}},

      // --- terminal modes that would change how later bytes are read ---
      {"leave_utf8_and_8bit_controls",
       "\x1b%@\x1b%G\x1b G\x1b F\x1b[62;0\"p\x1b[?2l\x1b[?38hx",
       "x",
       {{DropKind::terminal_mode, 7}}},

      // --- C1 and UTF-8 ---
      {"raw_c1_csi_dropped_whole",
       "a\x9b"
       "31mb",
       "ab",
       {{DropKind::c1_control, 1}}},
      {"raw_c1_osc_dropped_whole",
       "a\x9d"
       "0;t\x07"
       "b",
       "ab",
       {{DropKind::c1_control, 1}}},
      {"utf8_encoded_c1_csi",
       "a\xc2\x9b"
       "6nb",
       "ab",
       {{DropKind::c1_control, 1}}},
      {"raw_c1_dcs", "a\x90q#0\x1b\\b", "ab", {{DropKind::c1_control, 1}}},
      {"raw_c1_single",
       "a\x84\x85\x8d"
       "b",
       "ab",
       {{DropKind::c1_control, 3}}},
      {"invalid_utf8_replaced",
       "a\xff"
       "b\xe2\x82"
       "c\xc0\xaf",
       "a\xef\xbf\xbd"
       "b\xef\xbf\xbd"
       "c\xef\xbf\xbd\xef\xbf\xbd",
       {{DropKind::invalid_utf8, 4}}},
      {"surrogate_replaced",
       "\xed\xa0\x80",
       "\xef\xbf\xbd\xef\xbf\xbd",
       {{DropKind::invalid_utf8, 2}, {DropKind::c1_control, 1}}},
      {"cut_character_at_end", "ok\xe6\xbc", "ok\xef\xbf\xbd", {{DropKind::invalid_utf8, 1}}},
      {"escape_interrupts_character",
       "\xe6\x1b[1m",
       "\xef\xbf\xbd\x1b[1m",
       {{DropKind::invalid_utf8, 1}}},

      // --- malformed ---
      {"csi_cancelled", "\x1b[1;2\x18x", "x", {{DropKind::unknown, 1}}},
      {"csi_restarted_by_escape", "\x1b[1;\x1b[2Jx", "\x1b[2Jx", {{DropKind::unknown, 1}}},
      {"csi_with_utf8_inside", "\x1b[1\xc5\xbcx", "\xc5\xbcx", {{DropKind::unknown, 1}}},
      {"csi_oversized", "\x1b["s + std::string(600, '1') + "mx", "x", {{DropKind::unknown, 1}}},
      {"unknown_escapes",
       "\x1b"
       "F\x1b"
       "1\x1b#9\x1b[5y\x1b[?5;6y.",
       ".",
       {{DropKind::unknown, 5}}},
      {"lone_escape_at_end", "x\x1b", "x", {{DropKind::unknown, 1}}},
      {"other_c0_dropped",
       "a\x00\x01\x1c"
       "b"s,
       "ab",
       {{DropKind::control, 3}}},
  };
  return all;
}

class OutputSanitizerCases : public ::testing::TestWithParam<Case>
{};

TEST_P(OutputSanitizerCases, FiltersAndCountsTheSameWhereverTheInputIsCut)
{
  const Case& c = GetParam();
  const Result whole = run_whole(c.input);
  EXPECT_EQ(whole.output, c.expected);
  DropCounts expected;
  for (const auto& [kind, count] : c.dropped) {
    expected[kind] = count;
  }
  EXPECT_EQ(whole.counts.by_kind, expected.by_kind) << "got: " << whole.counts.describe();
  expect_split_invariant(c.input, whole);
  expect_safe(whole.output);
}

INSTANTIATE_TEST_SUITE_P(Cases,
                         OutputSanitizerCases,
                         ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return std::string(param.param.name);
                         });

TEST(OutputSanitizer, CountsAreKeptAcrossStreamsAndDescribed)
{
  OutputSanitizer sanitizer;
  std::string out;
  sanitizer.feed("\x1b]0;a\x07\x1b]0;b\x07\x1b]52;c;x\x07", out);
  sanitizer.finish(out);
  sanitizer.feed("\x1b[c", out);
  sanitizer.finish(out);
  EXPECT_EQ(out, "");
  EXPECT_EQ(sanitizer.counts().dropped(), 4U);
  EXPECT_EQ(sanitizer.counts().describe(), "2 title, 1 clipboard, 1 query");
  sanitizer.clear_counts();
  EXPECT_EQ(sanitizer.counts().dropped(), 0U);
  EXPECT_EQ(sanitizer.counts().describe(), "");
}

TEST(OutputSanitizer, ResetForgetsAnUnfinishedSequence)
{
  OutputSanitizer sanitizer;
  std::string out;
  sanitizer.feed("\x1b]52;c;", out);
  sanitizer.reset();
  sanitizer.feed("visible", out);
  EXPECT_EQ(out, "visible");
}

TEST(OutputSanitizer, HoldsAnUnfinishedSequenceUntilItEnds)
{
  OutputSanitizer sanitizer;
  std::string out;
  sanitizer.feed("a\x1b[3", out);
  EXPECT_EQ(out, "a");
  sanitizer.feed("1mb", out);
  EXPECT_EQ(out, "a\x1b[31mb");
}

TEST(OutputSanitizer, RandomBytesGiveSafeOutputWhereverCut)
{
  std::mt19937 random(20261126);
  // Bytes weighted towards the interesting ones, so that sequences actually form.
  const std::string alphabet = "\x1b\x1b\x1b[]P_^X\\;:?>=<$ \"'*#!%()0123456789"
                               "cnqtuhlmpsrxHJK\x07\x18\x1a\x05\x9b\x9d\x90\x9c\xc2\xe2\x82\xac\xf0"
                               "abc\r\n";
  for (int round = 0; round < 300; ++round) {
    std::string input;
    const std::size_t size = random() % 64;
    for (std::size_t i = 0; i < size; ++i) {
      input += (random() % 4 == 0) ? static_cast<char>(random() % 256)
                                   : alphabet[random() % alphabet.size()];
    }
    const Result whole = run_whole(input);
    expect_split_invariant(input, whole);
    expect_safe(whole.output);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "input (escaped): " << ::testing::PrintToString(input);
      return;
    }
  }
}

} // namespace
} // namespace shelltrail::player
