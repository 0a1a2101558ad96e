#include "index/text_match.hpp"

#include <algorithm>
#include <vector>

namespace shelltrail::index {
namespace {

// Bytes of a word for FTS5's unicode61 tokenizer: ASCII letters and digits, and whatever is not
// ASCII (letters of other scripts; a UTF-8 character is never cut).
bool word_byte(unsigned char c)
{
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char lower(char c)
{
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

std::string word_query(std::string_view text)
{
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    const std::size_t start = i;
    while (i < text.size() && word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    if (i > start) {
      words.push_back(text.substr(start, i - start));
    }
  }
  std::string query;
  for (std::size_t w = 0; w < words.size(); ++w) {
    if (!query.empty()) {
      query += " AND ";
    }
    query += '"';
    query += words[w]; // only letters and digits: nothing to escape
    query += '"';
    const bool last_is_open = w + 1 == words.size() && !text.empty() &&
                              word_byte(static_cast<unsigned char>(text.back()));
    if (last_is_open) {
      query += '*';
    }
  }
  return query;
}

std::size_t find_ignoring_case(std::string_view haystack, std::string_view needle)
{
  const auto it = std::search(
      haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
        return lower(a) == lower(b);
      });
  return it == haystack.end() && !needle.empty() ? std::string_view::npos
                                                 : static_cast<std::size_t>(it - haystack.begin());
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle)
{
  return find_ignoring_case(haystack, needle) != std::string_view::npos;
}

} // namespace shelltrail::index
