#include <array>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/core/csv.hpp"
#include "harness/scenario/sections.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 6> kFeedKeys = {"name",  "file",   "format",
                                                       "order", "at_end", "window"};

// A relative path is taken from the scenario's directory, as a reader of the file expects.
std::string resolve(const std::string& path, const std::string& scenario_file) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  const auto dir = std::filesystem::path(scenario_file).parent_path();
  return dir.empty() ? path : (dir / p).string();
}

template <size_t N>
std::optional<size_t> choice(Reader& r, const Field& field,
                             const std::array<std::string_view, N>& options) {
  auto text = r.text(field);
  if (!text) return std::nullopt;
  for (size_t i = 0; i < N; ++i) {
    if (options[i] == *text) return i;
  }
  r.error(field, fmt::format("{} must be one of {}, not '{}'", field.name, fmt::join(options, ", "),
                             *text));
  return std::nullopt;
}

// The column names: the CSV header row, or the keys of the first JSON line. Only the first
// line is read here; the engine streams the rest.
std::vector<std::string> read_columns(Reader& r, const Field& field, const FeedSpec& feed) {
  // Only a regular file: a directory reads as empty, and a device (/dev/zero) never ends.
  std::error_code kind_error;
  const auto kind = std::filesystem::status(feed.path, kind_error).type();
  if (kind == std::filesystem::file_type::directory) {
    r.error(field, fmt::format("feed file '{}' is a directory, not a file", feed.path));
    return {};
  }
  if (!kind_error && kind != std::filesystem::file_type::regular) {
    r.error(field, fmt::format("feed file '{}' is not a regular file", feed.path));
    return {};
  }
  std::ifstream in(feed.path, std::ios::binary);
  if (!in) {
    r.error(field, fmt::format("cannot open feed file '{}'", feed.path));
    return {};
  }
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line != "\r") break;
  }
  if (line.empty() || line == "\r") {
    r.error(field, fmt::format("feed file '{}' is empty: it needs {}", feed.path,
                               feed.format == FeedSpec::Format::kCsv ? "a header row"
                                                                     : "at least one JSON line"));
    return {};
  }
  std::vector<std::string> columns;
  if (feed.format == FeedSpec::Format::kCsv) {
    if (!core::split_csv_line(line, columns)) {
      r.error(field, fmt::format("feed file '{}': the header row has an unclosed quote", feed.path));
      return {};
    }
  } else {
    const auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_object()) {
      r.error(field, fmt::format("feed file '{}': the first line is not a JSON object", feed.path));
      return {};
    }
    for (const auto& item : doc.items()) columns.push_back(item.key());
  }
  for (const auto& c : columns) {
    if (!is_metric_name(c)) {
      r.error(field, fmt::format("feed file '{}': column '{}' cannot be a variable name (letters, "
                                 "digits, _ and -, starting with a letter or _)",
                                 feed.path, c));
      return {};
    }
  }
  return columns;
}

FeedSpec read_feed(Reader& r, const Field& item, const std::string& scenario_file) {
  FeedSpec feed;
  feed.where = r.where(item.value);
  auto fields = r.mapping(item, "in a feed", kFeedKeys);
  if (!fields) return feed;
  if (const auto* f = fields->find("name")) {
    feed.name = r.text(*f).value_or("");
    if (!feed.name.empty() && !is_metric_name(feed.name))
      r.error(*f, fmt::format("feed name '{}' must be letters, digits, _ and -", feed.name));
  } else {
    r.error(item, "a feed needs a name:");
  }
  const auto* file = fields->find("file");
  if (!file) {
    r.error(item, "a feed needs a file: (a .csv with a header row, or a .jsonl)");
    return feed;
  }
  auto path = r.text(*file);
  if (!path) return feed;
  feed.path = resolve(*path, scenario_file);
  if (const auto* f = fields->find("format")) {
    constexpr std::array<std::string_view, 2> kFormats = {"csv", "jsonl"};
    if (auto i = choice(r, *f, kFormats)) feed.format = static_cast<FeedSpec::Format>(*i);
  } else if (path->ends_with(".jsonl") || path->ends_with(".ndjson")) {
    feed.format = FeedSpec::Format::kJsonLines;
  } else if (!path->ends_with(".csv")) {
    r.error(*file, fmt::format("cannot tell the format of '{}' from its name: add format: csv or "
                               "format: jsonl",
                               *path));
  }
  if (const auto* f = fields->find("order")) {
    constexpr std::array<std::string_view, 3> kOrders = {"sequential", "random", "unique"};
    if (auto i = choice(r, *f, kOrders)) feed.order = static_cast<FeedSpec::Order>(*i);
  }
  feed.at_end = feed.order == FeedSpec::Order::kUnique ? FeedSpec::AtEnd::kStop : FeedSpec::AtEnd::kWrap;
  if (const auto* f = fields->find("at_end")) {
    constexpr std::array<std::string_view, 3> kAtEnd = {"wrap", "stop", "fail"};
    if (auto i = choice(r, *f, kAtEnd)) {
      feed.at_end = static_cast<FeedSpec::AtEnd>(*i);
      if (feed.order == FeedSpec::Order::kUnique && feed.at_end == FeedSpec::AtEnd::kWrap) {
        r.error(*f, "order: unique hands each row out once, so it cannot wrap: use at_end: stop "
                    "or fail");
      }
    }
  }
  if (const auto* f = fields->find("window")) {
    if (feed.order != FeedSpec::Order::kRandom) r.error(r.key_where(*f), "window: applies to order: random only");
    feed.window = static_cast<int>(r.whole(*f, 1, 1000000).value_or(feed.window));
  }
  feed.columns = read_columns(r, *file, feed);
  return feed;
}

}  // namespace

std::vector<FeedSpec> read_feeds(Reader& r, const Field& field, const std::string& scenario_file) {
  std::vector<FeedSpec> feeds;
  auto items = r.sequence(field, "feed");
  if (!items) return feeds;
  for (const auto& item : *items) {
    auto feed = read_feed(r, item, scenario_file);
    for (const auto& earlier : feeds) {
      if (!feed.name.empty() && earlier.name == feed.name) {
        r.error(feed.where, fmt::format("feed name '{}' is used twice (first at line {})", feed.name,
                                        earlier.where.line));
      }
    }
    feeds.push_back(std::move(feed));
  }
  return feeds;
}

}  // namespace loadgen::scenario
