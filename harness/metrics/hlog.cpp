#include "harness/metrics/hlog.hpp"

#include <charconv>
#include <cmath>
#include <ctime>
#include <istream>
#include <ostream>
#include <span>

#include <fmt/format.h>

#include "harness/core/check.hpp"
#include "harness/metrics/base64.hpp"
#include "harness/metrics/hdr_encoding.hpp"

namespace loadgen::metrics {
namespace {

constexpr std::string_view kLegend =
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"";

// Java's scanner splits on every single space, comma, CR or LF; so do we.
std::vector<std::string_view> tokens_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ' ' || line[i] == ',' || line[i] == '\r' || line[i] == '\n') {
      out.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<double> to_double(std::string_view s) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

constexpr double kSecondsPerYear = 365.0 * 24 * 3600;

}  // namespace

std::string java_date_text(double epoch_s) {
  const auto t = static_cast<std::time_t>(std::floor(epoch_s));
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{} {} {:02} {:02}:{:02}:{:02} UTC {}", kDays[tm.tm_wday], kMonths[tm.tm_mon],
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

HlogWriter::HlogWriter(std::ostream& out, double max_value_ratio)
    : out_(out), max_value_ratio_(max_value_ratio) {}

void HlogWriter::write_header(std::string_view comment, double start_time_s, double base_time_s) {
  base_time_s_ = base_time_s;
  // fmt formats numbers without the C locale, so the decimal point is always '.'.
  out_ << fmt::format("#{}\n", comment);
  out_ << "#[Histogram log format version 1.3]\n";
  out_ << fmt::format("#[StartTime: {:.3f} (seconds since epoch), {}]\n", start_time_s,
                      java_date_text(start_time_s));
  out_ << fmt::format("#[BaseTime: {:.3f} (seconds since epoch)]\n", base_time_s);
  out_ << kLegend << '\n';
}

void HlogWriter::write_interval(double start_s, double length_s, const Histogram& histogram,
                                std::string_view tag) {
  LG_CHECK(tag.find_first_of(", \r\n") == std::string_view::npos, "hlog tag with a separator");
  const auto payload = base64_encode(encode_compressed(histogram));
  const double max = static_cast<double>(histogram.max()) / max_value_ratio_;
  if (!tag.empty()) out_ << "Tag=" << tag << ',';
  out_ << fmt::format("{:.3f},{:.3f},{:.3f},{}\n", start_s, length_s, max, payload);
}

double HlogFile::absolute_start_s(const HlogInterval& interval) const {
  if (base_time_s) return *base_time_s + interval.start_s;
  if (start_time_s && !intervals.empty() && intervals.front().start_s < *start_time_s - kSecondsPerYear) {
    return *start_time_s + interval.start_s;
  }
  return interval.start_s;
}

core::Expected<HlogFile> read_hlog(std::istream& in, std::string_view source_name) {
  using Result = core::Expected<HlogFile>;
  HlogFile file;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const auto where = fmt::format("{}:{}", source_name, line_number);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto tokens = tokens_of(line);
    if (line.front() == '#') {
      if (tokens.size() >= 2 && (tokens[0] == "#[StartTime:" || tokens[0] == "#[BaseTime:")) {
        auto v = to_double(tokens[1]);
        if (!v) return Result::failure(fmt::format("{}: time '{}' is not a number", where, tokens[1]));
        (tokens[0] == "#[StartTime:" ? file.start_time_s : file.base_time_s) = *v;
      }
      continue;
    }
    if (line.starts_with("\"StartTimestamp\"")) continue;

    size_t t = 0;
    std::string tag;
    if (tokens[0].starts_with("Tag=")) {
      tag = std::string(tokens[0].substr(4));
      ++t;
    }
    if (tokens.size() - t != 4) {
      return Result::failure(fmt::format(
          "{}: expected 'start,length,max,payload' (no spaces after commas), found {} fields", where,
          tokens.size() - t));
    }
    auto start = to_double(tokens[t]);
    auto length = to_double(tokens[t + 1]);
    if (!start || !length || !to_double(tokens[t + 2])) {
      return Result::failure(fmt::format("{}: start, length and max must be numbers", where));
    }
    auto bytes = base64_decode(tokens[t + 3]);
    if (!bytes) return Result::failure(fmt::format("{}: {}", where, bytes.error()));
    auto histogram = decode_histogram(std::span<const uint8_t>(*bytes));
    if (!histogram) return Result::failure(fmt::format("{}: {}", where, histogram.error()));
    file.intervals.push_back({std::move(tag), *start, *length, std::move(histogram).value()});
  }
  return file;
}

}  // namespace loadgen::metrics
