// Reading the API's JSON answers and printing them for people: tolerant accessors (a missing
// or mistyped member reads as empty, since output must never crash on an unexpected answer)
// and aligned tables.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crier::cli {

const boost::json::value* Member(const boost::json::value& v, std::string_view key);
std::int64_t IntOf(const boost::json::value& v, std::string_view key, std::int64_t fallback = 0);
double NumberOf(const boost::json::value& v, std::string_view key, double fallback = 0);
bool BoolOf(const boost::json::value& v, std::string_view key, bool fallback = false);
// Strings as they are, numbers and booleans as text, null or missing as "".
std::string TextOf(const boost::json::value& v, std::string_view key);
std::string Text(const boost::json::value& v);
// The elements of an array member (empty when missing or not an array).
const boost::json::array& ArrayOf(const boost::json::value& v, std::string_view key);
// {"code": n, ...} members as (code, n) pairs in the server's order.
std::vector<std::pair<std::string, std::int64_t>> CountsOf(const boost::json::value& v,
                                                           std::string_view key);

// Columns a string takes on a terminal: East Asian wide characters count 2, combining marks 0.
std::size_t DisplayWidth(std::string_view utf8);

// Left-aligned columns separated by two spaces, headers first (none when empty).
void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

// `text` as one POSIX shell word ('single-quoted', quotes inside written '\''), so a command
// printed for the user can be pasted back as it is.
std::string ShellQuote(std::string_view text);

// "3m25s", "1h02m", "850ms" for an estimate in seconds.
std::string FormatSeconds(double seconds);

}  // namespace crier::cli
