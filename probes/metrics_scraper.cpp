#include "probes/metrics_scraper.hpp"

#include <time.h>

#include <fmt/format.h>

namespace loadgen::probes {
namespace {

// As Prometheus asks: OpenMetrics first, the text format otherwise.
constexpr const char* kAccept =
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

MetricsScraper::MetricsScraper(ScraperOptions options)
    : options_(std::move(options)),
      fetcher_(options_.url, kAccept, options_.max_body_bytes, options_.tls),
      capture_(options_.capture) {}

MetricsScraper::~MetricsScraper() { stop(); }

void MetricsScraper::start() {
  started_ = std::chrono::steady_clock::now();
  scrape_once();
  thread_ = std::thread([this] { loop(); });
}

void MetricsScraper::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  scrape_once();  // the run's last figures
  std::lock_guard lock(mutex_);
  stopped_ = true;
}

void MetricsScraper::loop() {
  auto next = started_ + options_.interval;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_until(lock, next, [this] { return stopping_; })) {
    lock.unlock();
    scrape_once();
    lock.lock();
    next += options_.interval;
    // A scrape slower than the interval skips the ticks it overran rather than bunching up.
    const auto now = std::chrono::steady_clock::now();
    while (next <= now) next += options_.interval;
  }
}

void MetricsScraper::scrape_once() {
  const auto begin = std::chrono::steady_clock::now();
  const double cpu_begin = thread_cpu_s();
  const double t_s = std::chrono::duration<double>(begin - started_).count();
  std::string error;
  const ExpositionFormat format = [&] {
    auto got = fetcher_.get(options_.timeout, body_);
    if (!got) error = got.error();
    return format_of_content_type(body_.content_type);
  }();
  if (error.empty()) {
    if (auto parse_error = capture_.add_scrape(t_s, body_.body, format)) error = "malformed exposition, " + parse_error->str();
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const double cpu = thread_cpu_s() - cpu_begin;
  std::lock_guard lock(mutex_);
  ++stats_.attempts;
  stats_.scrape_s_total += wall;
  stats_.scrape_s_max = std::max(stats_.scrape_s_max, wall);
  stats_.cpu_s_total += cpu;
  if (!error.empty()) {
    ++stats_.failures;
    stats_.last_error = fmt::format("scrape {} at {:.1f}s: {}", stats_.attempts, t_s, error);
    if (stats_.first_error.empty()) stats_.first_error = stats_.last_error;
    return;
  }
  stats_.bytes_last = body_.body.size();
  stats_.format = format == ExpositionFormat::kOpenMetrics ? "openmetrics" : "prometheus-text";
}

ScrapeStats MetricsScraper::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace loadgen::probes
