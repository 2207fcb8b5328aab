#include "targets/refserver/bucket_histogram.hpp"
#include "targets/refserver/db_query_times.hpp"
#include "targets/refserver/handlers.hpp"
#include "targets/refserver/open_metrics.hpp"

namespace loadgen::refserver {
namespace {

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

// An HDR histogram of nanoseconds as a histogram family in seconds, in the latency layout.
void latency_histogram(OpenMetricsText& out, std::string_view name, std::string_view help,
                       const metrics::Histogram& ns) {
  out.family(name, "histogram", help);
  const auto counts = bucket_counts_of_ns(ns);
  out.histogram(name, {}, kLatencyBucketBounds, counts.cumulative, counts.sum_seconds);
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
  latency_histogram(out, "refserver_job_queue_wait_seconds", "Time jobs waited for a worker.",
                    pool.queue_wait_ns);
  latency_histogram(out, "refserver_job_run_seconds", "Time jobs ran.", pool.run_time_ns);
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
  latency_histogram(out, "refserver_item_batch_write_seconds",
                    "Time to write one batch (each attempt).", b.flush_time_ns);
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
  render_db_query_times(out, {&sources.jobs.query_times(),
                              sources.items != nullptr ? &sources.items->query_times() : nullptr});
  Response response;
  response.content_type = std::string(OpenMetricsText::kContentType);
  response.body = out.finish();
  return response;
}

}  // namespace loadgen::refserver
