#pragma once
// How show, dump and verify end: one line on stderr for a recording that is not intact, and the
// documented exit code for its verdict.

#include "format/verify.hpp"

#include <string>

namespace shelltrail::cli {

// Prints the stderr line for an incomplete or altered recording; returns the exit code.
int report_verdict(const std::string& file, const format::VerifyReport& report);

// The exit code of a verdict, printing nothing.
int exit_code_for(format::Verdict verdict);

} // namespace shelltrail::cli
