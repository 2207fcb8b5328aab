#include "probes/metrics_capture.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

namespace loadgen::probes {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A bucket bound or a quantile: a float, or +Inf / Inf.
std::optional<double> parse_bound(const std::string& text) {
  if (text == "+Inf" || text == "Inf" || text == "+inf" || text == "inf") return std::numeric_limits<double>::infinity();
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  return v;
}

std::optional<SeriesShape> shape_of(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return SeriesShape::kCounter;
    case MetricType::kHistogram: return SeriesShape::kHistogram;
    case MetricType::kSummary: return SeriesShape::kSummary;
    case MetricType::kGaugeHistogram: return std::nullopt;  // neither a rate nor one value
    default: return SeriesShape::kGauge;
  }
}

std::string key_of(std::string_view family, const LabelList& labels) {
  std::string key(family);
  if (labels.empty()) return key;
  key += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) key += ',';
    key += labels[i].first;
    key += "=\"";
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') key += '\\';
      if (c == '\n') {
        key += "\\n";
        continue;
      }
      key += c;
    }
    key += '"';
  }
  key += '}';
  return key;
}

}  // namespace

bool names_family(std::string_view selector, std::string_view family) {
  if (selector == family) return true;
  if (selector.size() == family.size() + 6 && selector.substr(0, family.size()) == family && ends_with(selector, "_total")) return true;
  return family.size() == selector.size() + 6 && family.substr(0, selector.size()) == selector && ends_with(family, "_total");
}

std::string_view to_string(SeriesShape shape) {
  switch (shape) {
    case SeriesShape::kCounter: return "counter";
    case SeriesShape::kGauge: return "gauge";
    case SeriesShape::kHistogram: return "histogram";
    case SeriesShape::kSummary: return "summary";
  }
  return "gauge";
}

std::string CapturedSeries::key() const { return key_of(family, labels); }

// One scrape's samples into the pending rows of the series they belong to.
class MetricsCapture::Reader final : public ExpositionVisitor {
 public:
  explicit Reader(MetricsCapture& capture) : c_(capture) {}

  void on_help(std::string_view family, const std::string& text) override {
    if (c_.selected_family(family)) c_.helps_[std::string(family)] = text;
  }
  void on_unit(std::string_view family, std::string_view unit) override {
    if (c_.selected_family(family)) c_.units_[std::string(family)] = std::string(unit);
  }

  void on_sample(const ExpositionSample& s) override {
    ++c_.samples_last_;
    const std::string_view family = s.family.empty() ? s.name : s.family;
    if (!c_.selected_family(family)) return;
    const auto shape = shape_of(s.type);
    if (!shape || ends_with(s.name, "_created")) return;
    // What this sample is in its series: a part (bucket or quantile), the count, the sum, or
    // the value.
    enum class Role { kValue, kPart, kCount, kSum } role = Role::kValue;
    std::string_view part_label;
    if (*shape == SeriesShape::kHistogram || *shape == SeriesShape::kSummary) {
      if (ends_with(s.name, "_count") && s.name.size() == family.size() + 6) role = Role::kCount;
      else if (ends_with(s.name, "_sum") && s.name.size() == family.size() + 4) role = Role::kSum;
      else role = Role::kPart;
      part_label = *shape == SeriesShape::kHistogram ? "le" : "quantile";
    }
    labels_.clear();
    std::optional<double> bound;
    for (const auto& [name, value] : s.labels) {
      if (role == Role::kPart && name == part_label) {
        bound = parse_bound(value);
        continue;
      }
      labels_.emplace_back(name, value);
    }
    if (role == Role::kPart && !bound) return;  // a bucket without le: not a part of anything
    std::sort(labels_.begin(), labels_.end());
    if (!c_.options_.select.empty()) {
      const bool wanted = std::any_of(c_.options_.select.begin(), c_.options_.select.end(), [&](const SeriesSelector& sel) {
        return names_family(sel.name, family) && sel.matches(sel.name, labels_);
      });
      if (!wanted) return;
    }
    const std::string key = key_of(family, labels_);
    auto it = c_.index_.find(key);
    if (it == c_.index_.end()) {
      if (c_.series_.size() >= c_.options_.max_series) {
        if (role == Role::kValue || role == Role::kCount) ++c_.refused_;
        return;
      }
      CapturedSeries series;
      series.family = std::string(family);
      series.labels = labels_;
      series.shape = *shape;
      it = c_.index_.emplace(key, c_.series_.size()).first;
      c_.series_.push_back(std::move(series));
      c_.pending_.emplace_back();
    }
    auto& p = c_.pending_[it->second];
    p.touched = true;
    switch (role) {
      case Role::kValue: p.value = s.value; break;
      case Role::kCount: p.count = s.value; break;
      case Role::kSum: p.sum = s.value; break;
      case Role::kPart: p.parts.emplace_back(*bound, s.value); break;
    }
  }

 private:
  MetricsCapture& c_;
  LabelList labels_;
};

MetricsCapture::MetricsCapture(CaptureOptions options) : options_(std::move(options)) {
  for (const auto& sel : options_.select) selected_names_.push_back(sel.name);
}

bool MetricsCapture::selected_family(std::string_view family) const {
  if (selected_names_.empty()) return true;
  return std::any_of(selected_names_.begin(), selected_names_.end(),
                     [&](const std::string& name) { return names_family(name, family); });
}

std::optional<ExpositionError> MetricsCapture::add_scrape(double t_s, std::string_view text, ExpositionFormat format) {
  samples_last_ = 0;
  refused_ = 0;
  const size_t known = series_.size();
  Reader reader(*this);
  auto error = parse_exposition(text, format, reader);
  if (error) {
    // Nothing of a malformed scrape: forget the series it introduced and its pending values.
    for (size_t i = known; i < series_.size(); ++i) index_.erase(series_[i].key());
    series_.resize(known);
    pending_.resize(known);
    for (auto& p : pending_) p = Pending{};
    units_.clear();
    helps_.clear();
    return error;
  }
  ++scrapes_;
  if ((scrapes_ - 1) % keep_every_ == 0) commit(t_s);
  for (auto& p : pending_) p = Pending{};
  if (bytes() > options_.max_cells * sizeof(double)) thin();
  return std::nullopt;
}

void MetricsCapture::commit(double t_s) {
  const size_t row = times_.size();
  times_.push_back(t_s);
  for (size_t i = 0; i < series_.size(); ++i) {
    auto& s = series_[i];
    auto& p = pending_[i];
    const bool has_parts = s.shape == SeriesShape::kHistogram || s.shape == SeriesShape::kSummary;
    if (has_parts && s.bounds.empty() && !p.parts.empty()) {
      // The first kept scrape that has the series' buckets (or quantiles) fixes them. Rows kept
      // before it (the series absent, or without parts) are laid out again, empty, at the width.
      std::sort(p.parts.begin(), p.parts.end());
      for (const auto& [bound, value] : p.parts) {
        if (s.bounds.empty() || s.bounds.back() != bound) s.bounds.push_back(bound);
      }
      s.cells.clear();
    }
    if (s.cells.empty()) s.cells.assign(row * s.width(), kMissing);  // absent from earlier scrapes
    if (!p.touched) {
      s.cells.insert(s.cells.end(), s.width(), kMissing);
      continue;
    }
    if (!has_parts) {
      s.cells.push_back(p.value);
      continue;
    }
    for (double bound : s.bounds) {
      double v = kMissing;
      for (const auto& [b, value] : p.parts) {
        if (b == bound) v = value;
      }
      s.cells.push_back(v);
    }
    s.cells.push_back(p.count);
    s.cells.push_back(p.sum);
  }
  for (auto& s : series_) {
    if (auto it = units_.find(s.family); it != units_.end()) s.unit = it->second;
    if (auto it = helps_.find(s.family); it != helps_.end()) s.help = it->second;
  }
  units_.clear();
  helps_.clear();
}

void MetricsCapture::thin() {
  const size_t rows = times_.size();
  size_t kept = 0;
  for (size_t r = 0; r < rows; r += 2) times_[kept++] = times_[r];
  times_.resize(kept);
  for (auto& s : series_) {
    const size_t w = s.width();
    // A series first seen in a scrape that was not kept has no rows yet: its first kept scrape
    // gives it its NaN rows.
    if (s.cells.size() < rows * w) continue;
    size_t out = 0;
    for (size_t r = 0; r < rows; r += 2) {
      std::copy_n(s.cells.begin() + static_cast<std::ptrdiff_t>(r * w), w, s.cells.begin() + static_cast<std::ptrdiff_t>(out * w));
      ++out;
    }
    s.cells.resize(out * w);
    s.cells.shrink_to_fit();
  }
  keep_every_ *= 2;
}

size_t MetricsCapture::bytes() const {
  size_t total = times_.size() * sizeof(double);
  for (const auto& s : series_) total += s.cells.size() * sizeof(double) + s.key().size();
  return total;
}

}  // namespace loadgen::probes
