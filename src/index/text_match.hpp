#pragma once
// How a plain search text is looked up in screen text: the FTS5 word index finds the lines that
// have each of its words (the last one as a prefix: "connec" finds "connection"), then the line
// must contain the whole text, ignoring ASCII case.

#include <string>
#include <string_view>

namespace shelltrail::index {

// The FTS5 query for `text`: its words quoted and joined by AND, the last one a prefix when the
// text ends inside it; empty when there is no word (punctuation only).
std::string word_query(std::string_view text);

// Whether `haystack` contains `needle`, ignoring ASCII case.
bool contains_ignoring_case(std::string_view haystack, std::string_view needle);

// The byte range of the first such match, or npos.
std::size_t find_ignoring_case(std::string_view haystack, std::string_view needle);

} // namespace shelltrail::index
