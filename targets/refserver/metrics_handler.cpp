#include <array>

#include <fmt/format.h>

#include "targets/refserver/handlers.hpp"
#include "targets/refserver/open_metrics.hpp"

namespace loadgen::refserver {
namespace {

constexpr std::array kQuantiles{0.5, 0.9, 0.99};

void counter(OpenMetricsText& out, std::string_view name, std::string_view help,
             std::uint64_t value) {
  out.family(name, "counter", help);
  out.sample(std::string(name) + "_total", value);
}

void gauge(OpenMetricsText& out, std::string_view name, std::string_view help,
           std::uint64_t value) {
  out.family(name, "gauge", help);
  out.sample(name, value);
}

// A nanosecond histogram as a summary in seconds. The sum is count x mean, as exact as the
// histogram's buckets (3 significant digits).
void summary(OpenMetricsText& out, std::string_view name, std::string_view help,
             const metrics::Histogram& ns) {
  out.family(name, "summary", help);
  const std::string base(name);
  for (double q : kQuantiles) {
    out.sample(base, {{"quantile", fmt::format("{}", q)}},
               static_cast<double>(ns.value_at_percentile(q * 100.0)) / 1e9);
  }
  const auto count = static_cast<std::uint64_t>(ns.total_count());
  out.sample(base + "_count", {}, count);
  out.sample(base + "_sum", {}, ns.mean() * static_cast<double>(count) / 1e9);
}

void render_readiness(OpenMetricsText& out, const Readiness& readiness) {
  out.family("refserver_ready", "gauge",
             "1 when the stage is ready: main (/up) and full (/up/full).");
  out.sample("refserver_ready", {{"stage", "main"}}, std::uint64_t{readiness.main_ready()});
  out.sample("refserver_ready", {{"stage", "full"}}, std::uint64_t{readiness.full_ready()});
}

void render_jobs(OpenMetricsText& out, const JobsFigures& jobs) {
  const auto& pool = jobs.pool;
  gauge(out, "refserver_jobs_queue_depth", "Jobs waiting for a worker.", pool.queued);
  gauge(out, "refserver_jobs_running", "Jobs running now.", pool.threads - pool.idle_threads);
  counter(out, "refserver_jobs_submitted", "Jobs accepted by the pool.", pool.submitted);
  counter(out, "refserver_jobs_rejected", "Jobs refused (queue full or draining).", pool.rejected);
  counter(out, "refserver_jobs_completed", "Jobs that ended done.", pool.completed);
  counter(out, "refserver_jobs_failed", "Jobs that ended failed (threw, timed out, cancelled).",
          pool.dead_lettered + pool.timed_out + pool.cancelled);
  counter(out, "refserver_jobs_ledger_failures",
          "Finished jobs the queue database could not record.", jobs.ledger_failures);
  summary(out, "refserver_job_queue_wait_seconds", "Time jobs waited for a worker.",
          pool.queue_wait_ns);
  summary(out, "refserver_job_run_seconds", "Time jobs ran.", pool.run_time_ns);
}

void render_items(OpenMetricsText& out, const ItemsFigures& items) {
  const auto& b = items.batcher;
  gauge(out, "refserver_items_buffered", "Accepted items waiting for the next batch.", b.buffered);
  counter(out, "refserver_items_accepted", "Items accepted by POST /api/items.", b.items_added);
  counter(out, "refserver_items_rejected", "Items refused because the buffer was full.",
          b.items_rejected);
  counter(out, "refserver_items_written", "Items committed to the main database.", b.items_written);
  counter(out, "refserver_items_failed", "Accepted items whose batch failed every attempt.",
          b.items_failed);
  out.family("refserver_item_batches_flushed", "counter",
             "Batches written, by what triggered them.");
  out.sample("refserver_item_batches_flushed_total", {{"reason", "size"}}, b.batches_by_size);
  out.sample("refserver_item_batches_flushed_total", {{"reason", "age"}}, b.batches_by_age);
  out.sample("refserver_item_batches_flushed_total", {{"reason", "request"}}, b.batches_by_request);
  counter(out, "refserver_item_batches_failed", "Batches that failed every attempt.",
          b.batches_failed);
  summary(out, "refserver_item_batch_write_seconds", "Time to write one batch (each attempt).",
          b.flush_time_ns);
  counter(out, "refserver_page_cache_hits", "Cursor pages served from the page cache.",
          items.cache_hits);
  counter(out, "refserver_page_cache_misses", "Cursor pages the cache did not hold.",
          items.cache_misses);
}

}  // namespace

Response handle_metrics(const MetricsSources& sources) {
  OpenMetricsText out;
  render_readiness(out, sources.readiness);
  sources.requests.render(out);
  render_jobs(out, sources.jobs.figures());
  if (sources.items != nullptr)
    render_items(out, sources.items->figures());
  Response response;
  response.content_type = std::string(OpenMetricsText::kContentType);
  response.body = out.finish();
  return response;
}

}  // namespace loadgen::refserver
