#include "targets/refserver/handlers.hpp"

#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "targets/refserver/sql.hpp"
#include "tests/targets/refserver/handlers_fixture.hpp"

namespace loadgen::refserver {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::TempDir;

using RefserverHandlersTest = testing::HandlersFixture;
constexpr std::int64_t kSeedRows = RefserverHandlersTest::kSeedRows;

TEST_F(RefserverHandlersTest, HealthAndReadiness) {
  EXPECT_EQ(call("GET", "/health").status, 200);
  EXPECT_EQ(call("GET", "/up").status, 503);
  services_.readiness.set_main_ready();
  EXPECT_EQ(call("GET", "/up").status, 200);
  auto full = call("GET", "/up/full");
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(body_of(full)["status"], "starting");
  services_.readiness.set_full_ready();
  EXPECT_EQ(call("GET", "/up/full").status, 200);
  services_.readiness.set_draining();
  EXPECT_EQ(body_of(call("GET", "/up")).at("status"), "draining");
  EXPECT_EQ(call("GET", "/health").status, 200);
}

TEST_F(RefserverHandlersTest, CursorWalkVisitsEveryRowOnceAndEndsWithNull) {
  std::set<std::int64_t> ids;
  std::string cursor;
  int pages = 0;
  for (; pages < 100; ++pages) {
    auto response =
        call("GET", "/api/items?limit=25" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(response.status, 200) << response.body;
    auto page = body_of(response);
    for (const auto& item : page["items"])
      ids.insert(item["id"].get<std::int64_t>());
    if (page["next_cursor"].is_null())
      break;
    cursor = page["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(pages, 4);  // 120 rows: pages of 25, 25, 25, 25, 20
  EXPECT_EQ(ids.size(), static_cast<size_t>(kSeedRows));
}

TEST_F(RefserverHandlersTest, ForgedCursorIs400WithAMessage) {
  auto first = body_of(call("GET", "/api/items?limit=5"));
  std::string cursor = first["next_cursor"];
  cursor[10] = cursor[10] == 'A' ? 'B' : 'A';
  auto response = call("GET", "/api/items?cursor=" + cursor);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(body_of(response)["code"], "invalid_cursor");
  EXPECT_FALSE(body_of(response)["error"].get<std::string>().empty());
}

TEST_F(RefserverHandlersTest, BadLimitsAre400) {
  EXPECT_EQ(call("GET", "/api/items?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/api/items?limit=abc").status, 400);
  EXPECT_EQ(call("GET", "/api/items_offset?offset=-1").status, 400);
}

TEST_F(RefserverHandlersTest, OffsetPages) {
  auto page = body_of(call("GET", "/api/items_offset?limit=50&offset=100"));
  EXPECT_EQ(page["items"].size(), 20U);
  EXPECT_TRUE(page["next_offset"].is_null());
  EXPECT_EQ(body_of(call("GET", "/api/items_offset?limit=50"))["next_offset"], 50);
}

TEST_F(RefserverHandlersTest, PostedItemIsAcceptedThenListed) {
  auto response = call("POST", "/api/items", R"({"name":"fresh","payload":"p"})");
  ASSERT_EQ(response.status, 202);
  const auto id = body_of(response)["id"].get<std::int64_t>();
  EXPECT_GT(id, kSeedRows);
  services_.items->close();  // writes the batch now
  auto last = body_of(call("GET", "/api/items_offset?limit=5&offset=" + std::to_string(kSeedRows)));
  ASSERT_EQ(last["items"].size(), 1U);
  EXPECT_EQ(last["items"][0]["name"], "fresh");
  EXPECT_EQ(last["items"][0]["id"], id);
}

TEST_F(RefserverHandlersTest, BadItemBodiesAre400) {
  EXPECT_EQ(call("POST", "/api/items", "{not json").status, 400);
  EXPECT_EQ(call("POST", "/api/items", "[1,2]").status, 400);
  EXPECT_EQ(call("POST", "/api/items", R"({"payload":"p"})").status, 400);
  EXPECT_EQ(call("POST", "/api/items", R"({"name":""})").status, 400);
  EXPECT_EQ(call("POST", "/api/items", R"({"name":"n","payload":5})").status, 400);
}

std::string retry_after(const Response& response) {
  for (const auto& [name, value] : response.headers) {
    if (name == "Retry-After")
      return value;
  }
  return {};
}

TEST_F(RefserverHandlersTest, FullItemBufferIs503WithRetryAfter) {
  ItemsOptions options;
  options.db_path = dir_ / "main.sqlite3";
  options.batch_size = 1;
  options.batch_capacity = 1;
  auto items = ItemsService::open(options, codec_).value();
  // Another connection holds the write lock, so the first batch waits (the sink waits for
  // locks rather than failing) and the one-item buffer behind it fills up.
  auto blocker = targets::Database::open(options.db_path.string()).value();
  exec(blocker.handle(), "BEGIN IMMEDIATE");
  int unavailable = 0;
  for (int i = 0; i < 3; ++i) {
    auto response = handle_create_item(
        make_request("POST", "/api/items", {}, R"({"name":"n"})").value(), *items);
    if (response.status == 503) {
      ++unavailable;
      EXPECT_EQ(retry_after(response), "1");
    }
  }
  EXPECT_GE(unavailable, 1);
  exec(blocker.handle(), "ROLLBACK");
  items->close();
  auto after_close =
      handle_create_item(make_request("POST", "/api/items", {}, R"({"name":"n"})").value(), *items);
  EXPECT_EQ(after_close.status, 503);
}

TEST_F(RefserverHandlersTest, FullJobQueueIs503WithRetryAfter) {
  JobsService jobs({1, 1, 100});
  jobs.attach_ledger(JobLedger::open(dir_ / "small-queue.sqlite3", true).value());
  int unavailable = 0;
  for (int i = 0; i < 4; ++i) {
    auto response = handle_create_job(
        make_request("POST", "/api/jobs", {}, R"({"kind":"sleep","work_ms":500})").value(), jobs);
    if (response.status == 503) {
      ++unavailable;
      EXPECT_EQ(retry_after(response), "1");
    }
  }
  EXPECT_GE(unavailable, 1);
}

TEST_F(RefserverHandlersTest, JobSubmitPollReplayAndConflict) {
  const HeaderList key{{"Idempotency-Key", "abc"}};
  auto first = call("POST", "/api/jobs", R"({"kind":"resize","work_ms":1})", key);
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(body_of(first)["status"], "queued");
  const auto id = body_of(first)["id"].get<std::int64_t>();
  // Same body with other spacing and order: the same request.
  auto replay = call("POST", "/api/jobs", R"({ "work_ms": 1, "kind": "resize" })", key);
  EXPECT_EQ(replay.status, 202);
  EXPECT_EQ(replay.body, first.body);
  auto conflict = call("POST", "/api/jobs", R"({"kind":"sleep"})", key);
  EXPECT_EQ(conflict.status, 409);
  json job;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(5ms)) {
    job = body_of(call("GET", "/api/jobs/" + std::to_string(id)));
    if (job["status"] == "done")
      break;
  }
  EXPECT_EQ(job["status"], "done");
  for (const char* field : {"queued_at", "started_at", "finished_at"}) {
    EXPECT_TRUE(job[field].is_string()) << field;
  }
  EXPECT_TRUE(job["queue_wait_ms"].is_number());
  EXPECT_TRUE(job["run_ms"].is_number());
}

TEST_F(RefserverHandlersTest, JobErrors) {
  EXPECT_EQ(call("GET", "/api/jobs/999999").status, 404);
  EXPECT_EQ(call("GET", "/api/jobs/abc").status, 404);
  EXPECT_EQ(call("POST", "/api/jobs", R"({"kind":"paint"})").status, 400);
  EXPECT_EQ(call("POST", "/api/jobs", R"({"kind":"sleep","work_ms":"x"})").status, 400);
  EXPECT_EQ(call("POST", "/api/jobs", "nope").status, 400);
}

TEST_F(RefserverHandlersTest, UnknownRouteAndMethod) {
  EXPECT_EQ(call("GET", "/nope").status, 404);
  EXPECT_EQ(call("PUT", "/api/jobs").status, 405);
}

TEST_F(RefserverHandlersTest, MetricsAreOpenMetricsText) {
  call("GET", "/health");
  call("GET", "/nope");
  auto response = call("GET", "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  const auto& text = response.body;
  ASSERT_GE(text.size(), 6U);
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");
  for (const char* needle :
       {"refserver_http_requests_total{route=\"/health\",status=\"200\"} 1\n",
        "refserver_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n",
        "# TYPE refserver_jobs_queue_depth gauge\n", "refserver_jobs_submitted_total ",
        "refserver_jobs_rejected_total ", "refserver_items_written_total ",
        "refserver_item_batches_flushed_total{reason=\"age\"} ",
        "refserver_ready{stage=\"main\"} "}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  }
}

}  // namespace
}  // namespace loadgen::refserver
