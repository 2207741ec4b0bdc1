#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <ostream>

namespace crier::cli {

const boost::json::value* Member(const boost::json::value& v, std::string_view key) {
  const auto* obj = v.if_object();
  return obj == nullptr ? nullptr : obj->if_contains(key);
}

namespace {

std::int64_t AsInt(const boost::json::value& v, std::int64_t fallback) {
  if (const auto* i = v.if_int64()) return *i;
  if (const auto* u = v.if_uint64()) return static_cast<std::int64_t>(*u);
  if (const auto* d = v.if_double()) return static_cast<std::int64_t>(*d);
  return fallback;
}

}  // namespace

std::int64_t IntOf(const boost::json::value& v, std::string_view key, std::int64_t fallback) {
  const auto* m = Member(v, key);
  return m == nullptr ? fallback : AsInt(*m, fallback);
}

double NumberOf(const boost::json::value& v, std::string_view key, double fallback) {
  const auto* m = Member(v, key);
  if (m == nullptr) return fallback;
  if (const auto* d = m->if_double()) return *d;
  if (const auto* i = m->if_int64()) return static_cast<double>(*i);
  if (const auto* u = m->if_uint64()) return static_cast<double>(*u);
  return fallback;
}

bool BoolOf(const boost::json::value& v, std::string_view key, bool fallback) {
  const auto* m = Member(v, key);
  if (m == nullptr) return fallback;
  if (const auto* b = m->if_bool()) return *b;
  return fallback;
}

std::string Text(const boost::json::value& v) {
  if (const auto* s = v.if_string()) return std::string(*s);
  if (v.is_null()) return "";
  if (const auto* d = v.if_double()) return fmt::format("{}", *d);  // 50, not 5E1
  return boost::json::serialize(v);
}

std::string TextOf(const boost::json::value& v, std::string_view key) {
  const auto* m = Member(v, key);
  return m == nullptr ? "" : Text(*m);
}

const boost::json::array& ArrayOf(const boost::json::value& v, std::string_view key) {
  static const boost::json::array kEmpty;
  const auto* m = Member(v, key);
  if (m == nullptr || !m->is_array()) return kEmpty;
  return m->get_array();
}

std::vector<std::pair<std::string, std::int64_t>> CountsOf(const boost::json::value& v,
                                                           std::string_view key) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  const auto* m = Member(v, key);
  if (m == nullptr || !m->is_object()) return out;
  for (const auto& [name, value] : m->get_object()) {
    out.emplace_back(std::string(name), AsInt(value, 0));
  }
  return out;
}

std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    i += len;
    const bool combining = (cp >= 0x0300 && cp <= 0x036F) || cp == 0x0E31 ||
                           (cp >= 0x0E34 && cp <= 0x0E3A) || (cp >= 0x0E47 && cp <= 0x0E4E);
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += combining ? 0 : (wide ? 2 : 1);
  }
  return width;
}

void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(headers.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  };
  measure(headers);
  for (const auto& row : rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - DisplayWidth(row[c]) + 2, ' ');
    }
    out << line << '\n';
  };
  if (!headers.empty()) print(headers);
  for (const auto& row : rows) print(row);
}

std::string ShellQuote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string FormatSeconds(double seconds) {
  if (!(seconds > 0)) return "0s";
  if (seconds < 1) return fmt::format("{}ms", static_cast<long>(std::lround(seconds * 1000)));
  const long total = std::lround(seconds);
  if (total < 60) return fmt::format("{}s", total);
  if (total < 3600) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}h{:02}m", total / 3600, (total % 3600) / 60);
}

}  // namespace crier::cli
