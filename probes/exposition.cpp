#include "probes/exposition.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace loadgen::probes {
namespace {

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
bool label_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool label_char(char c) { return label_start(c) || (c >= '0' && c <= '9'); }
bool blank(char c) { return c == ' ' || c == '\t'; }

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<MetricType> type_named(std::string_view t, ExpositionFormat format) {
  if (t == "counter") return MetricType::kCounter;
  if (t == "gauge") return MetricType::kGauge;
  if (t == "histogram") return MetricType::kHistogram;
  if (t == "summary") return MetricType::kSummary;
  if (t == "untyped" && format == ExpositionFormat::kPrometheusText) return MetricType::kUntyped;
  if (format == ExpositionFormat::kOpenMetrics) {
    if (t == "unknown") return MetricType::kUntyped;
    if (t == "gaugehistogram") return MetricType::kGaugeHistogram;
    if (t == "stateset") return MetricType::kStateset;
    if (t == "info") return MetricType::kInfo;
  }
  return std::nullopt;
}

// The suffixes a sample may add to its family's name, by the family's type.
bool extends(std::string_view sample, std::string_view family, MetricType type) {
  if (sample == family) return type != MetricType::kHistogram && type != MetricType::kGaugeHistogram;
  if (sample.size() <= family.size() || sample.substr(0, family.size()) != family) return false;
  const auto suffix = sample.substr(family.size());
  switch (type) {
    case MetricType::kCounter: return suffix == "_total" || suffix == "_created";
    case MetricType::kHistogram: return suffix == "_bucket" || suffix == "_sum" || suffix == "_count" || suffix == "_created";
    case MetricType::kGaugeHistogram: return suffix == "_bucket" || suffix == "_gsum" || suffix == "_gcount";
    case MetricType::kSummary: return suffix == "_sum" || suffix == "_count" || suffix == "_created";
    case MetricType::kInfo: return suffix == "_info";
    default: return false;
  }
}

class LineParser {
 public:
  LineParser(std::string_view line, size_t number, ExpositionFormat format)
      : s_(line), line_(number), format_(format) {}

  ExpositionError error(std::string message) const { return {line_, pos_ + 1, std::move(message)}; }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  size_t pos() const { return pos_; }

  // Blanks between tokens: one space in OpenMetrics, any run of spaces and tabs in the text format.
  bool skip_separator() {
    if (at_end() || !blank(peek())) return false;
    if (format_ == ExpositionFormat::kOpenMetrics) {
      if (peek() != ' ') return false;
      ++pos_;
      return true;
    }
    while (!at_end() && blank(peek())) ++pos_;
    return true;
  }
  void skip_blanks() {
    if (format_ == ExpositionFormat::kPrometheusText) {
      while (!at_end() && blank(peek())) ++pos_;
    }
  }

  std::string_view metric_name() {
    const size_t start = pos_;
    if (at_end() || !name_start(peek())) return {};
    while (!at_end() && name_char(peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  std::string_view rest() const { return s_.substr(std::min(pos_, s_.size())); }
  void advance(size_t n) { pos_ += n; }

  // {name="value",...}: the opening brace is at pos. Empty on success, else the error.
  std::optional<ExpositionError> labels(std::vector<std::pair<std::string, std::string>>& out) {
    ++pos_;  // '{'
    skip_blanks();
    if (peek() == '}') {
      ++pos_;
      return std::nullopt;
    }
    for (;;) {
      skip_blanks();
      const size_t start = pos_;
      if (at_end() || !label_start(peek())) return error("a label name was expected");
      while (!at_end() && label_char(peek())) ++pos_;
      std::string name(s_.substr(start, pos_ - start));
      for (const auto& [existing, value] : out) {
        if (existing == name) return ExpositionError{line_, start + 1, fmt::format("label '{}' is given twice", name)};
      }
      skip_blanks();
      if (peek() != '=') return error(fmt::format("'=' was expected after label '{}'", name));
      ++pos_;
      skip_blanks();
      if (peek() != '"') return error(fmt::format("the value of label '{}' must be in double quotes", name));
      ++pos_;
      std::string value;
      for (;;) {
        if (at_end()) return error(fmt::format("the value of label '{}' is not closed", name));
        const char c = s_[pos_++];
        if (c == '"') break;
        if (c != '\\') {
          value += c;
          continue;
        }
        if (at_end()) return error("a backslash ends the line");
        const char e = s_[pos_++];
        if (e == '\\') value += '\\';
        else if (e == '"') value += '"';
        else if (e == 'n') value += '\n';
        else if (format_ == ExpositionFormat::kPrometheusText) value += {'\\', e};  // kept as written
        else return error(fmt::format("'\\{}' is not an escape (only \\\\, \\\" and \\n)", e));
      }
      out.emplace_back(std::move(name), std::move(value));
      skip_blanks();
      if (peek() == ',') {
        ++pos_;
        skip_blanks();
        if (peek() == '}') {
          if (format_ == ExpositionFormat::kOpenMetrics) return error("a trailing comma in a label set");
          ++pos_;
          return std::nullopt;
        }
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return std::nullopt;
      }
      return error("',' or '}' was expected after a label");
    }
  }

  std::string_view token() {
    const size_t start = pos_;
    while (!at_end() && !blank(peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  static std::optional<double> number(std::string_view t, ExpositionFormat format) {
    const bool text = format == ExpositionFormat::kPrometheusText;
    const auto named = [&](std::string_view word) { return text ? equals_nocase(t, word) : t == word; };
    if (named("+Inf") || named("Inf") || named("+Infinity")) return std::numeric_limits<double>::infinity();
    if (named("-Inf") || named("-Infinity")) return -std::numeric_limits<double>::infinity();
    if (named("NaN")) return std::numeric_limits<double>::quiet_NaN();
    if (t.empty()) return std::nullopt;
    std::string_view digits = t;
    if (digits.front() == '+') digits.remove_prefix(1);
    double v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || end != digits.data() + digits.size() || std::isinf(v) || std::isnan(v)) return std::nullopt;
    return v;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  size_t line_;
  ExpositionFormat format_;
};

std::string unescape_help(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      if (text[i + 1] == 'n') {
        out += '\n';
        ++i;
        continue;
      }
      if (text[i + 1] == '\\' || text[i + 1] == '"') {
        out += text[i + 1];
        ++i;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace

std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::kUntyped: return "untyped";
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kStateset: return "stateset";
    case MetricType::kInfo: return "info";
  }
  return "untyped";
}

std::string ExpositionError::str() const { return fmt::format("line {}, column {}: {}", line, column, message); }

ExpositionFormat format_of_content_type(std::string_view content_type) {
  return content_type.find("application/openmetrics-text") != std::string_view::npos ? ExpositionFormat::kOpenMetrics
                                                                                     : ExpositionFormat::kPrometheusText;
}

std::optional<ExpositionError> parse_exposition(std::string_view text, ExpositionFormat format,
                                                ExpositionVisitor& visitor) {
  const bool om = format == ExpositionFormat::kOpenMetrics;
  std::string_view family;  // the last # TYPE's
  MetricType family_type = MetricType::kUntyped;
  bool eof = false;
  size_t number = 0;
  size_t start = 0;
  ExpositionSample sample;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      if (om) return ExpositionError{number + 1, text.size() - start + 1, "the last line has no newline"};
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (eof) return ExpositionError{number, 1, "nothing may follow # EOF"};
    if (!om && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    LineParser p(line, number, format);
    if (line.empty() || (!om && line.find_first_not_of(" \t") == std::string_view::npos)) {
      if (om) return p.error("an empty line (OpenMetrics has none)");
      continue;
    }
    if (line.front() == '#') {
      if (line == "# EOF" && om) {
        eof = true;
        continue;
      }
      // "# HELP name ...", "# TYPE name type", "# UNIT name unit"; other # lines are comments.
      p.advance(1);
      if (!p.skip_separator()) {
        if (om) return p.error("a '#' line must be # HELP, # TYPE, # UNIT or # EOF");
        continue;
      }
      const auto keyword = p.token();
      if (keyword != "HELP" && keyword != "TYPE" && keyword != "UNIT") {
        if (om) return p.error(fmt::format("'# {}' is not a descriptor (HELP, TYPE, UNIT, EOF)", keyword));
        continue;
      }
      if (keyword == "UNIT" && !om) continue;
      if (!p.skip_separator()) return p.error(fmt::format("# {} needs a metric name", keyword));
      const auto name = p.metric_name();
      if (name.empty()) return p.error(fmt::format("# {} needs a metric name", keyword));
      const bool more = p.skip_separator();
      if (keyword == "HELP") {
        visitor.on_help(name, more ? unescape_help(p.rest()) : std::string());
        continue;
      }
      const auto value = more ? p.token() : std::string_view();
      if (keyword == "UNIT") {
        visitor.on_unit(name, value);
        continue;
      }
      const auto type = type_named(value, format);
      if (!type) return p.error(fmt::format("'{}' is not a metric type", value));
      family = name;
      family_type = *type;
      visitor.on_type(name, *type);
      continue;
    }
    sample.name = p.metric_name();
    if (sample.name.empty()) return p.error("a metric name was expected");
    sample.labels.clear();
    const size_t after_name = p.pos();
    p.skip_blanks();  // the text format allows blanks before the labels, too
    bool separated = p.pos() > after_name;
    if (p.peek() == '{') {
      if (auto e = p.labels(sample.labels)) return e;
      separated = p.skip_separator();
    } else if (!separated) {
      separated = p.skip_separator();
    }
    if (!separated) return p.error("a value was expected after the name and labels");
    if (om && blank(p.peek())) return p.error("one space separates tokens in OpenMetrics");
    const auto value_text = p.token();
    const auto value = LineParser::number(value_text, format);
    if (!value) return p.error(fmt::format("'{}' is not a number", value_text));
    sample.value = *value;
    sample.timestamp_ms.reset();
    if (p.skip_separator() && !p.at_end() && p.peek() != '#') {
      const auto ts_text = p.token();
      if (om) {
        const auto ts = LineParser::number(ts_text, format);
        if (!ts || !std::isfinite(*ts)) return p.error(fmt::format("'{}' is not a timestamp", ts_text));
        sample.timestamp_ms = static_cast<int64_t>(std::llround(*ts * 1000));
      } else {
        int64_t ms = 0;
        const auto [e, ec] = std::from_chars(ts_text.data(), ts_text.data() + ts_text.size(), ms);
        if (ec != std::errc() || e != ts_text.data() + ts_text.size()) {
          return p.error(fmt::format("'{}' is not a timestamp (integer milliseconds)", ts_text));
        }
        sample.timestamp_ms = ms;
      }
      p.skip_separator();
    }
    if (!p.at_end() && p.peek() == '#') {
      // An exemplar: " # {labels} value [timestamp]", checked, not kept.
      if (!om) return p.error("exemplars are OpenMetrics only");
      p.advance(1);
      if (!p.skip_separator() || p.peek() != '{') return p.error("an exemplar needs its labels");
      std::vector<std::pair<std::string, std::string>> exemplar;
      if (auto e = p.labels(exemplar)) return e;
      if (!p.skip_separator()) return p.error("an exemplar needs a value");
      const auto ev = p.token();
      if (!LineParser::number(ev, format)) return p.error(fmt::format("'{}' is not an exemplar value", ev));
      if (p.skip_separator()) {
        const auto et = p.token();
        if (!LineParser::number(et, format)) return p.error(fmt::format("'{}' is not an exemplar timestamp", et));
      }
    }
    p.skip_blanks();
    if (!p.at_end()) return p.error(fmt::format("unexpected '{}' after the sample", p.rest()));
    if (!family.empty() && extends(sample.name, family, family_type)) {
      sample.family = family;
      sample.type = family_type;
    } else {
      sample.family = sample.name;
      sample.type = MetricType::kUntyped;
    }
    visitor.on_sample(sample);
  }
  if (om && !eof) return ExpositionError{number + 1, 1, "OpenMetrics text must end with # EOF"};
  return std::nullopt;
}

}  // namespace loadgen::probes
