#include "harness/run/shard.hpp"

#include <charconv>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

namespace loadgen::run {
namespace {

bool parse_int(std::string_view s, int& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

bool all_digits(std::string_view s, size_t from, size_t n) {
  if (from + n > s.size()) return false;
  for (size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int digits_at(std::string_view s, size_t from, size_t n) {
  int v = 0;
  for (size_t i = from; i < from + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

core::Expected<ShardSpec> parse_shard(std::string_view text) {
  using R = core::Expected<ShardSpec>;
  const auto slash = text.find('/');
  ShardSpec s;
  if (slash == std::string_view::npos || !parse_int(text.substr(0, slash), s.index) ||
      !parse_int(text.substr(slash + 1), s.count)) {
    return R::failure(fmt::format("'{}' is not a shard: write I/N, e.g. 0/4 for the first of four", text));
  }
  if (s.count < 1 || s.count > 10'000) return R::failure(fmt::format("'{}': the shard count must be 1..10000", text));
  if (s.index < 0 || s.index >= s.count) {
    return R::failure(fmt::format("'{}': the shard index must be 0..{} (counted from 0)", text, s.count - 1));
  }
  return s;
}

core::Expected<std::chrono::system_clock::time_point> parse_start_at(std::string_view text) {
  using R = core::Expected<std::chrono::system_clock::time_point>;
  using namespace std::chrono;
  const auto bad = [&] {
    return R::failure(fmt::format(
        "'{}' is not a start time: give RFC 3339 (2026-12-05T10:00:00Z, or with an offset like +01:00) or Unix "
        "seconds",
        text));
  };
  if (text.empty()) return bad();
  if (text.find('-') == std::string_view::npos || text.find('T') == std::string_view::npos) {
    double seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() || !(seconds > 0) || !std::isfinite(seconds)) return bad();
    return system_clock::time_point(duration_cast<system_clock::duration>(duration<double>(seconds)));
  }
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (!all_digits(text, 0, 4) || text[4] != '-' || !all_digits(text, 5, 2) || text[7] != '-' ||
      !all_digits(text, 8, 2) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !all_digits(text, 11, 2) || text[13] != ':' || !all_digits(text, 14, 2) || text[16] != ':' ||
      !all_digits(text, 17, 2)) {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = digits_at(text, 0, 4) - 1900;
  tm.tm_mon = digits_at(text, 5, 2) - 1;
  tm.tm_mday = digits_at(text, 8, 2);
  tm.tm_hour = digits_at(text, 11, 2);
  tm.tm_min = digits_at(text, 14, 2);
  tm.tm_sec = digits_at(text, 17, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return bad();
  }
  size_t i = 19;
  double fraction = 0;
  if (i < text.size() && text[i] == '.') {
    size_t j = i + 1;
    double scale = 0.1;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
      fraction += (text[j] - '0') * scale;
      scale /= 10;
      ++j;
    }
    if (j == i + 1) return bad();
    i = j;
  }
  int offset_s = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    if (!all_digits(text, i + 1, 2) || i + 3 >= text.size() || text[i + 3] != ':' || !all_digits(text, i + 4, 2)) {
      return bad();
    }
    offset_s = (digits_at(text, i + 1, 2) * 3600 + digits_at(text, i + 4, 2) * 60) * (text[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return bad();  // a time without its zone is a guess
  }
  if (i != text.size()) return bad();
  const time_t utc = timegm(&tm) - offset_s;
  return system_clock::from_time_t(utc) + duration_cast<system_clock::duration>(duration<double>(fraction));
}

std::string digest_hex(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace loadgen::run
