#include <set>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/targets/refserver/exposition_check.hpp"
#include "tests/targets/refserver/refserver_fixture.hpp"

namespace loadgen::refserver::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Sends raw bytes on a fresh loopback connection and returns what comes back until close.
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
      reply.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return reply;
}

class RefserverHttpTest : public RefserverTest {
 protected:
  void SetUp() override {
    server_ = start();
    ASSERT_NE(port_, 0);
    client_ = std::make_unique<HttpClient>(port_);
  }
  void TearDown() override {
    client_.reset();
    if (server_) {
      EXPECT_EQ(stop(*server_), 0) << server_->stderr_text();
    }
  }

  json wait_for_job(std::int64_t id, const std::string& status) {
    json job;
    for (auto deadline = Clock::now() + 15s; Clock::now() < deadline;
         std::this_thread::sleep_for(10ms)) {
      job = json_of(client_->get("/api/jobs/" + std::to_string(id)));
      if (job.value("status", "") == status)
        break;
    }
    return job;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RefserverHttpTest, HealthAndReadinessAreUpOnceListening) {
  EXPECT_EQ(client_->get("/health").status, 200);
  EXPECT_EQ(client_->get("/up").status, 200);
  EXPECT_EQ(client_->get("/up/full").status, 200);
}

TEST_F(RefserverHttpTest, CursorWalkReachesTheEndExactlyOnce) {
  std::set<std::int64_t> ids;
  std::string cursor;
  int pages = 0;
  for (; pages < 200; ++pages) {
    auto response = client_->get("/api/items" + (cursor.empty() ? "" : "?cursor=" + cursor));
    ASSERT_EQ(response.status, 200) << response.body;
    auto page = json_of(response);
    for (const auto& item : page["items"])
      ids.insert(item["id"].get<std::int64_t>());
    if (page["next_cursor"].is_null())
      break;
    cursor = page["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(pages + 1, kSeedRows / 50);  // default limit 50
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kSeedRows));
  // The first pages came from the cache the warm phase filled.
  EXPECT_EQ(client_->get("/metrics").body.find("refserver_page_cache_hits_total 0\n"),
            std::string::npos);
}

TEST_F(RefserverHttpTest, OffsetPages) {
  auto page = json_of(client_->get("/api/items_offset?limit=100&offset=950"));
  EXPECT_EQ(page["items"].size(), 50U);
  EXPECT_TRUE(page["next_offset"].is_null());
  EXPECT_EQ(json_of(client_->get("/api/items_offset?limit=100&offset=100"))["next_offset"], 200);
}

TEST_F(RefserverHttpTest, ForgedCursorIs400WithAMessage) {
  std::string cursor = json_of(client_->get("/api/items?limit=3"))["next_cursor"];
  cursor[20] = cursor[20] == 'x' ? 'y' : 'x';
  auto response = client_->get("/api/items?limit=3&cursor=" + cursor);
  EXPECT_EQ(response.status, 400);
  EXPECT_FALSE(json_of(response)["error"].get<std::string>().empty());
}

TEST_F(RefserverHttpTest, PostedItemsAppear) {
  std::set<std::int64_t> accepted;
  for (int i = 0; i < 3; ++i) {
    auto response = client_->post(
        "/api/items", json{{"name", "new-" + std::to_string(i)}, {"payload", "p"}}.dump());
    ASSERT_EQ(response.status, 202) << response.body;
    accepted.insert(json_of(response)["id"].get<std::int64_t>());
  }
  json tail;
  for (auto deadline = Clock::now() + 15s; Clock::now() < deadline;
       std::this_thread::sleep_for(10ms)) {
    tail = json_of(client_->get("/api/items_offset?offset=" + std::to_string(kSeedRows)));
    if (tail["items"].size() == 3)
      break;
  }
  ASSERT_EQ(tail["items"].size(), 3U);
  std::set<std::int64_t> listed;
  for (const auto& item : tail["items"])
    listed.insert(item["id"].get<std::int64_t>());
  EXPECT_EQ(listed, accepted);
}

TEST_F(RefserverHttpTest, JobIsQueuedThenRunsToDone) {
  auto submitted = client_->post("/api/jobs", R"({"kind":"resize","work_ms":20})");
  ASSERT_EQ(submitted.status, 202) << submitted.body;
  auto body = json_of(submitted);
  EXPECT_EQ(body["status"], "queued");
  auto job = wait_for_job(body["id"].get<std::int64_t>(), "done");
  EXPECT_EQ(job["status"], "done");
  EXPECT_TRUE(job["queued_at"].is_string() && job["started_at"].is_string() &&
              job["finished_at"].is_string());
  EXPECT_GE(job["run_ms"].get<double>(), 0.0);
  EXPECT_GE(job["queue_wait_ms"].get<double>(), 0.0);
  const auto failing = json_of(client_->post("/api/jobs", R"({"kind":"fail"})"));
  EXPECT_EQ(wait_for_job(failing["id"].get<std::int64_t>(), "failed")["status"], "failed");
  EXPECT_EQ(client_->get("/api/jobs/424242").status, 404);
}

TEST_F(RefserverHttpTest, IdempotencyKeyReplaysAndConflicts) {
  const std::vector<std::string> key{"Idempotency-Key: order-17"};
  auto first = client_->post("/api/jobs", R"({"kind":"sleep","work_ms":5})", key);
  ASSERT_EQ(first.status, 202);
  auto retry = client_->post("/api/jobs", R"({"kind":"sleep","work_ms":5})", key);
  EXPECT_EQ(retry.status, 202);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  auto other = client_->post("/api/jobs", R"({"kind":"sleep","work_ms":6})", key);
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(json_of(other)["id"], json_of(first)["id"]);
}

TEST_F(RefserverHttpTest, OversizedBodyIs413AndTheServerCarriesOn) {
  const std::string big = R"({"name":"x","payload":")" + std::string(2 * 1024 * 1024, 'a') + "\"}";
  auto response = client_->post("/api/items", big);
  EXPECT_EQ(response.status, 413) << response.error;
  HttpClient fresh(port_);
  EXPECT_EQ(fresh.get("/health").status, 200);
}

TEST_F(RefserverHttpTest, MalformedRequestsGetClientErrors) {
  EXPECT_EQ(client_->post("/api/items", "{not json").status, 400);
  EXPECT_EQ(client_->post("/api/jobs", R"({"kind":42})").status, 400);
  EXPECT_EQ(client_->get("/no/such/route").status, 404);
  auto wrong_method = client_->request("DELETE", "/api/items", "", {});
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.header("allow"), "GET, POST");
  EXPECT_EQ(raw_exchange(port_, "THIS IS NOT HTTP\r\n\r\n").rfind("HTTP/1.1 400", 0), 0U);
  const std::string huge_header =
      "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'h') + "\r\n\r\n";
  EXPECT_EQ(raw_exchange(port_, huge_header).rfind("HTTP/1.1 431", 0), 0U);
}

TEST_F(RefserverHttpTest, MetricsAreOpenMetricsTextWithEof) {
  client_->get("/health");
  client_->post("/api/items", R"({"name":"m"})");
  auto response = client_->get("/metrics");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.header("content-type"),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
  const auto& text = response.body;
  ASSERT_GE(text.size(), 6U);
  EXPECT_EQ(text.substr(text.size() - 6), "# EOF\n");
  EXPECT_EQ(text.find("# EOF"), text.size() - 6);  // exactly once, at the end
  for (const char* needle :
       {"refserver_http_requests_total{route=\"/health\",status=\"200\"} 1\n",
        "refserver_http_requests_total{route=\"/api/items\",status=\"202\"} 1\n",
        "refserver_http_request_duration_seconds_count{route=\"/health\"} 1\n",
        "refserver_jobs_queue_depth ", "refserver_jobs_completed_total ",
        "refserver_items_accepted_total 1\n",
        "refserver_item_batches_flushed_total{reason=", "refserver_items_written_total "}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  }
  // Every line is a comment or "name{labels} value".
  std::size_t start = 0;
  for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    const auto line = text.substr(start, end - start);
    EXPECT_TRUE(line.rfind("# ", 0) == 0 || line.find(' ') != std::string::npos) << line;
    start = end + 1;
  }
}

TEST_F(RefserverHttpTest, MetricsParseAsOpenMetricsWithLatencyHistograms) {
  constexpr int kRequests = 4;
  for (int i = 0; i < kRequests; ++i)
    ASSERT_EQ(client_->get("/health").status, 200);
  // Not the cached page size (50), so the listing queries the main database.
  ASSERT_EQ(client_->get("/api/items?limit=7").status, 200);
  const CheckedExposition metrics(client_->get("/metrics").body);
  EXPECT_TRUE(metrics.problems().empty()) << ::testing::PrintToString(metrics.problems());
  const SampleLabels health{{"route", "/health"}};
  EXPECT_EQ(metrics.value("refserver_http_request_duration_seconds_count", health), kRequests);
  EXPECT_EQ(metrics.value("refserver_http_request_duration_seconds_bucket",
                          {{"route", "/health"}, {"le", "+Inf"}}),
            kRequests);
  EXPECT_EQ(metrics.value("refserver_db_query_seconds_count", {{"query", "list_items"}}), 1);
  EXPECT_GT(metrics.value("refserver_db_query_seconds_sum", {{"query", "list_items"}}).value_or(0),
            0);
}

}  // namespace
}  // namespace loadgen::refserver::testing
