#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/targets/refserver/exposition_check.hpp"
#include "tests/targets/refserver/handlers_fixture.hpp"

// GET /metrics over the real routes and stores, read back as a scraper would.
namespace loadgen::refserver {
namespace {

using namespace std::chrono_literals;
using testing::CheckedExposition;

class RefserverMetricsExpositionTest : public testing::HandlersFixture {
 protected:
  CheckedExposition scrape() {
    const auto response = call("GET", "/metrics");
    EXPECT_EQ(response.status, 200);
    CheckedExposition exposition(response.body);
    EXPECT_TRUE(exposition.problems().empty()) << ::testing::PrintToString(exposition.problems());
    return exposition;
  }
};

TEST(RefserverExpositionCheck, FlagsWhatAScraperWouldMisread) {
  const std::string histogram_ok =
      "# TYPE h histogram\nh_bucket{le=\"1.0\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_count 3\nh_sum 1\n";
  EXPECT_TRUE(CheckedExposition(histogram_ok + "# EOF\n").problems().empty());
  for (const char* broken : {
           "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_count 2\nh_sum 1\n# EOF\n",
           "# TYPE h histogram\nh_bucket{le=\"1.0\"} 2\nh_count 2\nh_sum 1\n# EOF\n",
           "# TYPE h histogram\nh_bucket{le=\"1.0\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n"
           "h_sum 1\n# EOF\n",
           "# TYPE h histogram\nh_bucket{le=\"2.0\"} 1\nh_bucket{le=\"1.0\"} 2\n"
           "h_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 1\n# EOF\n",
           "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n# EOF\n",
           "# TYPE c counter\nc 1\n# EOF\n",
           "# TYPE g gauge\ng 1\n# TYPE g gauge\n# EOF\n",
           "# TYPE g gauge\ng 1\nother 2\n# EOF\n",
           "# TYPE g gauge\ng 1\n",
       }) {
    EXPECT_FALSE(CheckedExposition(broken).problems().empty()) << broken;
  }
}

constexpr const char* kDuration = "refserver_http_request_duration_seconds";
constexpr const char* kDbQuery = "refserver_db_query_seconds";

TEST_F(RefserverMetricsExpositionTest, RequestDurationHistogramCountsEveryRequestOfItsRoute) {
  constexpr int kRequests = 5;
  for (int i = 0; i < kRequests; ++i)
    ASSERT_EQ(call("GET", "/health").status, 200);
  call("GET", "/nope");
  const auto metrics = scrape();
  const auto count = [&](std::string suffix, testing::SampleLabels labels) {
    return metrics.value(kDuration + suffix, std::move(labels));
  };
  EXPECT_EQ(count("_count", {{"route", "/health"}}), kRequests);
  EXPECT_EQ(count("_bucket", {{"route", "/health"}, {"le", "+Inf"}}), kRequests);
  // call() records exactly 1 ms: on the le="0.001" bound, so counted there and not below.
  EXPECT_EQ(count("_bucket", {{"route", "/health"}, {"le", "0.0005"}}), 0);
  EXPECT_EQ(count("_bucket", {{"route", "/health"}, {"le", "0.001"}}), kRequests);
  EXPECT_DOUBLE_EQ(count("_sum", {{"route", "/health"}}).value_or(-1), 0.005);
  EXPECT_EQ(count("_count", {{"route", "unmatched"}}), 1);
  EXPECT_EQ(count("_count", {{"route", "/api/items"}}), std::nullopt);  // no request, no series
}

TEST_F(RefserverMetricsExpositionTest, EveryFamilyIsPresentWithItsType) {
  const auto metrics = scrape();
  EXPECT_EQ(metrics.value("refserver_jobs_queue_depth"), 0);
  EXPECT_EQ(metrics.value("refserver_page_cache_hits_total"), 0);
  EXPECT_EQ(metrics.value("refserver_page_cache_misses_total"), 0);
  for (const char* histogram : {"refserver_job_queue_wait_seconds", "refserver_job_run_seconds",
                                "refserver_item_batch_write_seconds"}) {
    EXPECT_EQ(metrics.value(std::string(histogram) + "_bucket", {{"le", "+Inf"}}), 0) << histogram;
    EXPECT_EQ(metrics.value(std::string(histogram) + "_count"), 0) << histogram;
  }
}

TEST_F(RefserverMetricsExpositionTest, ListingsAreTimedAsDatabaseQueries) {
  EXPECT_EQ(scrape().count_series(std::string(kDbQuery) + "_count"), 0);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(call("GET", "/api/items?limit=10").status, 200);
  ASSERT_EQ(call("GET", "/api/items_offset?limit=10&offset=20").status, 200);
  const auto metrics = scrape();
  const auto db = std::string(kDbQuery);
  EXPECT_EQ(metrics.value(db + "_count", {{"query", "list_items"}}), 3);
  EXPECT_EQ(metrics.value(db + "_bucket", {{"query", "list_items"}, {"le", "+Inf"}}), 3);
  EXPECT_GT(metrics.value(db + "_sum", {{"query", "list_items"}}).value_or(0), 0);
  EXPECT_EQ(metrics.value(db + "_count", {{"query", "list_items_offset"}}), 1);
  EXPECT_EQ(metrics.value(db + "_count", {{"query", "page_cache_lookup"}}), std::nullopt);
}

TEST_F(RefserverMetricsExpositionTest, BatchWritesAndJobsAreTimed) {
  ASSERT_EQ(call("POST", "/api/items", R"({"name":"n"})").status, 202);
  const auto job =
      call("POST", "/api/jobs", R"({"kind":"resize","work_ms":1})", {{"Idempotency-Key", "k1"}});
  ASSERT_EQ(job.status, 202) << job.body;
  const auto db = std::string(kDbQuery);
  // The batch is written within batch_max_age and the job's row once it ends.
  std::optional<CheckedExposition> metrics;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(5ms)) {
    metrics.emplace(scrape());
    // Every figure is awaited: the pool counts a job's run after its ledger row is written.
    if (metrics->value(db + "_count", {{"query", "ledger_write"}}) == 1 &&
        metrics->value(db + "_count", {{"query", "insert_batch"}}) == 1 &&
        metrics->value("refserver_job_run_seconds_count") == 1 &&
        metrics->value("refserver_job_queue_wait_seconds_count") == 1 &&
        metrics->value("refserver_item_batch_write_seconds_count") == 1)
      break;
  }
  EXPECT_EQ(metrics->value(db + "_count", {{"query", "insert_batch"}}), 1);
  EXPECT_EQ(metrics->value(db + "_count", {{"query", "ledger_write"}}), 1);
  EXPECT_EQ(metrics->value(db + "_count", {{"query", "ledger_find_by_key"}}), 1);
  EXPECT_EQ(metrics->value("refserver_job_run_seconds_count"), 1);
  EXPECT_EQ(metrics->value("refserver_job_run_seconds_bucket", {{"le", "+Inf"}}), 1);
  EXPECT_EQ(metrics->value("refserver_job_queue_wait_seconds_count"), 1);
  EXPECT_EQ(metrics->value("refserver_item_batch_write_seconds_count"), 1);
}

}  // namespace
}  // namespace loadgen::refserver
