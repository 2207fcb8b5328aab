#include "harness/load/feed.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/core/csv.hpp"

namespace loadgen::load {

core::Expected<std::unique_ptr<Feed>> Feed::open(const scenario::FeedSpec& spec, uint64_t seed, Share share) {
  using Result = core::Expected<std::unique_ptr<Feed>>;
  std::unique_ptr<Feed> feed(new Feed(spec, seed, share));
  if (!feed->rewind()) {
    return Result::failure(fmt::format("feed '{}': cannot open '{}': {}", spec.name, spec.path, std::strerror(errno)));
  }
  return feed;
}

Feed::~Feed() {
  if (file_ != nullptr) std::fclose(file_);
  std::free(line_);
}

// To the first data row: past the header row of a CSV file.
bool Feed::rewind() {
  if (file_ == nullptr) {
    file_ = std::fopen(spec_.path.c_str(), "rb");
    if (file_ == nullptr) return false;
  } else {
    std::rewind(file_);
  }
  if (spec_.format == scenario::FeedSpec::Format::kCsv) {
    while ((line_length_ = getline(&line_, &line_capacity_, file_)) >= 0) {
      if (line_length_ > 0 && !(line_length_ == 1 && line_[0] == '\n') && !(line_length_ == 2 && line_[0] == '\r')) break;
    }
  }
  return true;
}

bool Feed::parse(std::vector<std::string>& row) {
  std::string_view line(line_, static_cast<size_t>(line_length_));
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t columns = spec_.columns.size();
  if (spec_.format == scenario::FeedSpec::Format::kCsv) {
    return core::split_csv_line(line, row) && row.size() == columns;
  }
  const auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return false;
  row.resize(columns);
  for (size_t i = 0; i < columns; ++i) {
    const auto it = doc.find(spec_.columns[i]);
    if (it == doc.end()) return false;
    row[i] = it->is_string() ? it->get<std::string>() : it->is_null() ? std::string() : it->dump();
  }
  return true;
}

bool Feed::read_row(std::vector<std::string>& row, bool wrap) {
  bool wrapped = false;
  for (;;) {
    line_length_ = getline(&line_, &line_capacity_, file_);
    if (line_length_ < 0) {
      // At the end. Wrapping twice in one call means the file has no good row at all.
      if (!wrap || wrapped || !rewind()) return false;
      wrapped = true;
      first_pass_ = false;
      continue;
    }
    if (line_length_ == 0 || line_[0] == '\n' || (line_[0] == '\r' && line_length_ <= 2)) continue;
    if (parse(row)) {
      rows_read_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    // A bad row is counted once, on the first pass: a wrapping feed meets it again every pass.
    if (first_pass_) bad_rows_.fetch_add(1, std::memory_order_relaxed);
  }
}

bool Feed::read_own_row(std::vector<std::string>& row, bool wrap) {
  if (spec_.order != scenario::FeedSpec::Order::kUnique || share_.count <= 1) return read_row(row, wrap);
  while (read_row(row, wrap)) {
    if (good_rows_++ % static_cast<uint64_t>(share_.count) == static_cast<uint64_t>(share_.index)) return true;
  }
  return false;
}

bool Feed::next(std::vector<std::string>& row) {
  std::lock_guard lock(mutex_);
  if (exhausted_.load(std::memory_order_relaxed)) return false;
  const bool wrap = spec_.at_end == scenario::FeedSpec::AtEnd::kWrap;
  if (spec_.order != scenario::FeedSpec::Order::kRandom) {
    if (read_own_row(row, wrap)) return true;
    exhausted_.store(true, std::memory_order_relaxed);
    return false;
  }
  if (!window_filled_) {
    window_filled_ = true;
    const auto size = static_cast<size_t>(std::max(1, spec_.window));
    while (window_.size() < size && read_row(scratch_, false)) window_.push_back(scratch_);
  }
  if (window_.empty()) {
    exhausted_.store(true, std::memory_order_relaxed);
    return false;
  }
  const size_t i = std::uniform_int_distribution<size_t>(0, window_.size() - 1)(rng_);
  row.swap(window_[i]);
  if (!read_row(window_[i], wrap)) {
    // The file is done (stop/fail): the window drains.
    window_[i].swap(window_.back());
    window_.pop_back();
  }
  return true;
}

}  // namespace loadgen::load
