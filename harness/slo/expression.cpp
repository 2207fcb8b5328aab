// SLO expressions, parsed by hand: a tokenizer-free recursive descent over the text, so that
// every error can name the column it concerns.
//
// Grammar (BNF; blanks are allowed between tokens, not inside them):
//
//   expression  ::= reference operator threshold
//   reference   ::= segment [tags] { "." segment [tags] }
//                     -- the last segment is the stat, the others name the metric;
//                     -- at most one tag block, right after the metric or after the stat
//   segment     ::= percentile | identifier
//   percentile  ::= "p" digits [ "." digits ]              -- 0 <= value <= 100: p50, p99.9
//   identifier  ::= ( letter | "_" ) { letter | digit | "_" | "-" }
//   tags        ::= "{" tag { "," tag } "}"
//   tag         ::= tag-key "=" tag-value
//   tag-key     ::= "stage" | "window" | "name"           -- window is a duration: {window=1m}
//   tag-value   ::= 1*( any character but "," "{" "}" "=" )  -- trimmed
//   -- target.metric.<name>: any other key in the block after the name is a label, matched
//   -- with "=" only, its value bare or quoted ( '"' { char | "\\" ( "\\" | '"' | "n" ) } '"' );
//   -- a second block, after the stat, may then give stage and window:
//   -- target.metric.db_seconds{query="list"}.p99{stage=soak}
//   operator    ::= "<=" | ">=" | "==" | "!=" | "<" | ">"
//   threshold   ::= [ "-" ] number [ unit ] | "target"    -- "-" only for target.rss.slope and
//                                                          -- target.metric.*
//   number      ::= digits [ "." digits ] | "." digits
//   unit        ::= duration-unit | size-unit [ "/" time-unit ] | rate-unit | "%"
//                     -- read by harness/core/units.hpp: 200ms, 1m30s, 500MB, 10MB/h, 1.5k, 0.1%
//
// Metrics and their stats (stats.cpp): http, send_lag and request names (latency percentiles,
// min, max, mean/avg, med, rps, count, errors, dropped, timeouts, error_rate), startup.<phase>
// target.cpu | target.rss | target.fds | target.threads, and target.metric.<name> (a series of
// the target's Prometheus metrics, in its own unit). The stat decides the quantity,
// and the threshold's unit must fit it (threshold.cpp).

#include "harness/slo/expression.hpp"

#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/slo/stats.hpp"
#include "harness/slo/threshold.hpp"

namespace loadgen::slo {
namespace {

using Result = core::Expected<Expression>;

bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_ident_char(char c) {
  // ':' for Prometheus metric names (recording rules' level:metric:operation).
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ':';
}
bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

struct Segment {
  std::string text;
  size_t pos = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result parse() {
    skip_blanks();
    const bool ok = parse_reference() && classify() && parse_operator() && parse_threshold();
    if (!ok)
      return Result::failure(fmt::format("column {}: {}", error_pos_ + 1, error_));
    expr_.text = std::string(trim(text_));
    return std::move(expr_);
  }

 private:
  bool fail(size_t pos, std::string message) {
    error_pos_ = pos;
    error_ = std::move(message);
    return false;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void skip_blanks() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(peek())))
      ++pos_;
  }

  bool parse_reference();
  bool parse_segment();
  bool parse_tags();
  bool parse_tag();
  bool parse_label(const std::string& key, size_t key_pos);
  bool in_target_metric() const {
    return segments_.size() >= 3 && segments_[0].text == "target" && segments_[1].text == "metric";
  }
  bool classify();
  bool parse_operator();
  bool parse_threshold();

  std::string_view text_;
  size_t pos_ = 0;
  std::vector<Segment> segments_;
  std::optional<size_t> tags_after_;  // index of the segment the tag block follows
  size_t tags_pos_ = 0;
  Family family_ = Family::kRequest;
  StatInfo stat_;
  size_t error_pos_ = 0;
  std::string error_;
  Expression expr_;
};

bool Parser::parse_reference() {
  if (at_end() || !is_ident_start(peek())) {
    return fail(pos_, "expected a metric and a stat, e.g. http.p99 < 200ms");
  }
  while (true) {
    if (!parse_segment())
      return false;
    skip_blanks();
    if (peek() == '{' && !parse_tags())
      return false;
    if (peek() != '.')
      break;
    ++pos_;
    if (!is_ident_start(peek()))
      return fail(pos_, "expected a name after '.'");
  }
  if (segments_.size() < 2) {
    return fail(segments_.front().pos,
                fmt::format("'{}' needs a stat, e.g. {}.p99 or {}.rps", segments_.front().text,
                            segments_.front().text, segments_.front().text));
  }
  if (tags_after_ && *tags_after_ + 2 < segments_.size()) {
    return fail(tags_pos_,
                "tags go right after the metric or the stat, e.g. http.p99{stage=spike}");
  }
  return true;
}

bool Parser::parse_segment() {
  const size_t start = pos_;
  while (is_ident_char(peek()))
    ++pos_;
  std::string text(text_.substr(start, pos_ - start));
  // A percentile keeps its fraction: "p99.9" is one segment, since no name starts with a digit.
  const bool percentile = text.size() > 1 && text[0] == 'p' && is_digit(text[1]);
  if (percentile && peek() == '.' && is_digit(peek(1))) {
    ++pos_;
    while (is_digit(peek()))
      ++pos_;
    text = std::string(text_.substr(start, pos_ - start));
  }
  if (text == "p" && peek() == '(')
    return fail(start, "write p99, not p(99)");
  segments_.push_back({std::move(text), start});
  return true;
}

bool Parser::parse_tags() {
  // A target's series takes its labels after the name and its scope after the stat:
  // target.metric.x{pool="a"}.max{stage=soak}.
  const bool scope_after_labels = tags_after_ && *tags_after_ == 2 && segments_.size() == 4 &&
                                  segments_[0].text == "target" && segments_[1].text == "metric";
  if (tags_after_ && !scope_after_labels)
    return fail(pos_, "give tags once, e.g. http.p99{stage=spike,window=1m}");
  tags_after_ = segments_.size() - 1;
  tags_pos_ = pos_;
  ++pos_;  // '{'
  while (true) {
    skip_blanks();
    if (!parse_tag())
      return false;
    skip_blanks();
    if (peek() == ',') {
      ++pos_;
      continue;
    }
    if (peek() == '}') {
      ++pos_;
      skip_blanks();
      return true;
    }
    return fail(tags_pos_, "'{' is not closed by '}'");
  }
}

bool Parser::parse_tag() {
  const size_t key_pos = pos_;
  while (is_ident_char(peek()) && peek() != ':')  // a key never has ':' (stage:spike is a typo)
    ++pos_;
  const std::string key(text_.substr(key_pos, pos_ - key_pos));
  if (key.empty())
    return fail(key_pos, "expected a tag such as stage=spike");
  // A target's series: every key but the tags is one of its labels (name= stays a tag, which
  // the scenario refuses on a target metric with a message).
  if (in_target_metric() && key != "stage" && key != "window" && key != "name") {
    if (segments_.size() > 3) return fail(key_pos, fmt::format("label '{}' goes right after the metric's name, e.g. target.metric.x{{{}=...}}.p99", key, key));
    return parse_label(key, key_pos);
  }
  if (key != "stage" && key != "window" && key != "name") {
    return fail(key_pos, fmt::format("unknown tag '{}' (use stage, window or name)", key));
  }
  skip_blanks();
  if (peek() == ':')
    return fail(pos_, fmt::format("write {}=value, not {}:value", key, key));
  if (peek() != '=')
    return fail(pos_, fmt::format("expected '=' after '{}'", key));
  ++pos_;
  const size_t value_pos = pos_;
  while (!at_end() && peek() != ',' && peek() != '}' && peek() != '{' && peek() != '=')
    ++pos_;
  const auto value = trim(text_.substr(value_pos, pos_ - value_pos));
  if (value.empty())
    return fail(value_pos, fmt::format("tag '{}' needs a value", key));
  if (key == "window") {
    auto window = core::parse_duration(value);
    if (!window)
      return fail(value_pos, window.error());
    if (window->count() <= 0)
      return fail(value_pos, "a window must be longer than 0s");
  }
  if (!expr_.tags.emplace(key, std::string(value)).second) {
    return fail(key_pos, fmt::format("tag '{}' is given twice", key));
  }
  return true;
}

// label="value" (escapes \\ \" \n, as in the exposition format) or label=value.
bool Parser::parse_label(const std::string& key, size_t key_pos) {
  skip_blanks();
  if (peek() == '!' || (peek() == '=' && peek(1) == '~')) {
    return fail(pos_, fmt::format("only label=value matches a series ('{}' is not supported)", peek() == '!' ? "!=" : "=~"));
  }
  if (peek() != '=') return fail(pos_, fmt::format("expected '=' after '{}'", key));
  ++pos_;
  skip_blanks();
  std::string value;
  const size_t value_pos = pos_;
  if (peek() == '"') {
    ++pos_;
    while (!at_end() && peek() != '"') {
      char c = peek();
      if (c == '\\') {
        ++pos_;
        const char e = peek();
        if (e != '\\' && e != '"' && e != 'n') return fail(pos_, "a label value escapes only \\\\, \\\" and \\n");
        c = e == 'n' ? '\n' : e;
      }
      value += c;
      ++pos_;
    }
    if (at_end()) return fail(value_pos, "the label value's '\"' is not closed");
    ++pos_;
  } else {
    while (!at_end() && peek() != ',' && peek() != '}' && peek() != '{' && peek() != '=') ++pos_;
    value = std::string(trim(text_.substr(value_pos, pos_ - value_pos)));
    if (value.empty()) return fail(value_pos, fmt::format("label '{}' needs a value", key));
  }
  for (const auto& [k, v] : expr_.labels) {
    if (k == key) return fail(key_pos, fmt::format("label '{}' is given twice", key));
  }
  expr_.labels.emplace_back(key, std::move(value));
  return true;
}

bool Parser::classify() {
  std::vector<std::string> names;
  for (size_t i = 0; i + 1 < segments_.size(); ++i)
    names.push_back(segments_[i].text);
  auto family = classify_metric(names);
  // Shape errors of target.* and startup.* concern the part after the family name.
  if (!family)
    return fail(segments_[names.size() > 1 ? 1 : 0].pos, family.error());
  family_ = *family;
  expr_.metric = names.front();
  for (size_t i = 1; i < names.size(); ++i)
    expr_.metric += "." + names[i];
  const auto& stat = segments_.back();
  auto info = resolve_stat(family_, expr_.metric, stat.text);
  if (!info)
    return fail(stat.pos, info.error());
  stat_ = *info;
  expr_.stat = stat_.stat;
  expr_.percentile = stat_.percentile;
  expr_.quantity = stat_.quantity;
  return true;
}

bool Parser::parse_operator() {
  skip_blanks();
  const size_t at = pos_;
  const char a = peek();
  const char b = peek(1);
  const auto take = [&](Comparison op, size_t length) {
    expr_.op = op;
    pos_ += length;
    return true;
  };
  if (a == '<')
    return b == '=' ? take(Comparison::kLessEqual, 2) : take(Comparison::kLess, 1);
  if (a == '>')
    return b == '=' ? take(Comparison::kGreaterEqual, 2) : take(Comparison::kGreater, 1);
  if (a == '!' && b == '=')
    return take(Comparison::kNotEqual, 2);
  if (a == '=' && b == '=')
    return take(Comparison::kEqual, 2);
  if (a == '=' && (b == '<' || b == '>')) {
    return fail(at, fmt::format("write '{}=', not '={}'", b, b));
  }
  if (a == '=')
    return fail(at, "use '==' to compare, not '='");
  const std::string after = segments_.back().text;
  if (at_end()) {
    return fail(at, fmt::format("expected a comparison (<, <=, >, >=, ==, !=) after '{}'", after));
  }
  return fail(at, fmt::format("expected a comparison (<, <=, >, >=, ==, !=), not '{}'", a));
}

bool Parser::parse_threshold() {
  skip_blanks();
  const size_t at = pos_;
  const auto text = trim(text_.substr(pos_));
  if (text.empty()) {
    return fail(at, fmt::format("missing threshold after '{}', e.g. {} 200ms", to_string(expr_.op),
                                to_string(expr_.op)));
  }
  auto threshold = slo::parse_threshold(text, family_, stat_);
  if (!threshold)
    return fail(at, threshold.error());
  expr_.threshold = threshold->value;
  expr_.symbolic_threshold = threshold->symbol;
  if (threshold->value) {
    if (auto why = impossible(family_, stat_, expr_.op, *threshold->value, text)) {
      return fail(at, *why);
    }
  }
  pos_ = text_.size();
  return true;
}

}  // namespace

core::Expected<Expression> parse(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace loadgen::slo
