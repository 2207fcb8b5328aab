#include <algorithm>
#include <fstream>

#include <signal.h>
#include <sqlite3.h>

#include "tests/targets/refserver/refserver_fixture.hpp"

namespace loadgen::refserver::testing {
namespace {

using nlohmann::json;

// Index of the first stdout line containing `needle`, or -1.
int line_index(const std::vector<std::string>& lines, std::string_view needle) {
  const auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
    return line.find(needle) != std::string::npos;
  });
  return it == lines.end() ? -1 : static_cast<int>(it - lines.begin());
}

std::int64_t count_rows(const std::string& db, const std::string& where) {
  sqlite3* handle = nullptr;
  std::int64_t count = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    const std::string sql = "SELECT count(*) FROM items WHERE " + where;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      count = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return count;
}

void exec_sql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(handle);
}

class RefserverLifecycleTest : public RefserverTest {
 protected:
  Finished run_expecting_exit(std::vector<std::string> full_args) {
    return run_to_exit(binary(), full_args, dir_ / "stderr.txt", kExitTimeout);
  }

  // Exit 2 and a single stderr line mentioning every needle.
  void expect_start_failure(const std::vector<std::string>& full_args,
                            const std::vector<std::string>& needles) {
    auto finished = run_expecting_exit(full_args);
    EXPECT_EQ(finished.exit_code, 2);
    const auto& err = finished.stderr_text;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(err.rfind("refserver: error: ", 0), 0U) << err;
    for (const auto& needle : needles)
      EXPECT_NE(err.find(needle), std::string::npos) << err;
  }
};

TEST_F(RefserverLifecycleTest, SequentialStartupFinishesEveryPhaseBeforeListening) {
  auto server = start({"--startup", "sequential"});
  ASSERT_NE(port_, 0);
  ASSERT_TRUE(server->wait_for_line("phase full", 10s));
  const auto& lines = server->lines();
  const int listening = line_index(lines, "listening on");
  for (const char* phase : {"phase migrations done", "phase stores open", "phase seeded 1000 rows",
                            "phase cache warm"}) {
    const int at = line_index(lines, phase);
    EXPECT_GE(at, 0) << phase;
    EXPECT_LT(at, listening) << phase;
  }
  HttpClient client(port_);
  EXPECT_EQ(client.get("/up").status, 200);
  EXPECT_EQ(client.get("/up/full").status, 200);
  EXPECT_EQ(stop(*server), 0);
}

TEST_F(RefserverLifecycleTest, StagedStartupServesUpWhileFullIsPending) {
  auto server = start({"--startup", "staged", "--phase-delay", "seed=5s"});
  ASSERT_NE(port_, 0);
  HttpClient client(port_);
  EXPECT_EQ(client.get("/health").status, 200);
  EXPECT_EQ(client.get("/up").status, 200);
  auto full = client.get("/up/full");
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(full.header("retry-after"), "1");
  EXPECT_EQ(line_index(server->lines(), "phase seeded"), -1);  // still in the background
  ASSERT_TRUE(server->wait_for_line("phase full", 30s)) << server->stderr_text();
  EXPECT_EQ(client.get("/up/full").status, 200);
  EXPECT_LT(line_index(server->lines(), "listening on"),
            line_index(server->lines(), "phase seeded"));
  EXPECT_EQ(stop(*server), 0);
}

TEST_F(RefserverLifecycleTest, SigtermDuringStagedStartupExitsCleanly) {
  auto server = start({"--startup", "staged", "--phase-delay", "seed=20s"});
  ASSERT_NE(port_, 0);
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(stop(*server), 0) << server->stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 15s);  // the delay is cut short
}

TEST_F(RefserverLifecycleTest, BadConfigurationExits2WithOneLine) {
  expect_start_failure({"--port", "abc", "--db", db()}, {"--port", "abc"});
  expect_start_failure({"--port", "70000", "--db", db()}, {"--port", "70000"});
  expect_start_failure({"--port", "0", "--db", "/no/such/dir/x.sqlite3"}, {"--db", "/no/such/dir"});
  expect_start_failure({"--port", "0", "--db", db(), "--startup", "lazy"}, {"--startup"});
  expect_start_failure({"--port", "0", "--db", db(), "--no-such-flag"}, {"--no-such-flag"});
}

TEST_F(RefserverLifecycleTest, ConfigurationValuesAreTrimmed) {
  auto server = std::make_unique<ServerProcess>(
      binary(),
      std::vector<std::string>{"--port", " 0\n", "--db", " " + db() + "\n", "--threads", "2\n"},
      dir_ / "stderr.txt");
  EXPECT_NE(server->wait_for_port(kStartTimeout), 0) << server->stderr_text();
  EXPECT_EQ(stop(*server), 0);
  EXPECT_TRUE(std::filesystem::exists(db()));
}

TEST_F(RefserverLifecycleTest, WrongSchemaExits2NamingTableAndColumn) {
  exec_sql(db(),
           "CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, "
           "name TEXT NOT NULL)");
  expect_start_failure(args({}), {"items", "payload"});
}

TEST_F(RefserverLifecycleTest, NoMigrateOnAnEmptyDatabaseNamesTheMissingTable) {
  exec_sql(db(), "CREATE TABLE unrelated (x INTEGER)");
  expect_start_failure(args({"--no-migrate"}), {"missing table items"});
}

TEST_F(RefserverLifecycleTest, NoMigrateVerifiesTheQueueStoreToo) {
  {
    auto server = start();  // creates and migrates every store
    ASSERT_EQ(stop(*server), 0);
  }
  exec_sql((dir_ / "main-queue.sqlite3").string(), "ALTER TABLE jobs DROP COLUMN run_ms");
  expect_start_failure(args({"--no-migrate"}), {"queue database", "jobs", "run_ms"});
}

TEST_F(RefserverLifecycleTest, SigtermDrainLosesNoAcceptedItem) {
  // Batches only by size or age, neither of which comes before the SIGTERM.
  auto server = start({"--batch-max-age", "60s", "--batch-size", "5000", "--idle-timeout", "60s"});
  ASSERT_NE(port_, 0);
  HttpClient client(port_);
  constexpr int kItems = 200;
  int accepted = 0;
  for (int i = 0; i < kItems; ++i) {
    auto response = client.post("/api/items", json{{"name", "drain-" + std::to_string(i)}}.dump());
    accepted += response.status == 202 ? 1 : 0;
  }
  ASSERT_EQ(accepted, kItems);
  EXPECT_NE(client.get("/metrics").body.find("refserver_items_buffered 200\n"), std::string::npos);
  // The client's kept-alive connection is idle now; the drain must not wait for it.
  EXPECT_EQ(stop(*server), 0) << server->stderr_text();
  EXPECT_GE(line_index(server->lines(), "phase drained"), 0);
  EXPECT_EQ(count_rows(db(), "name LIKE 'drain-%'"), kItems);
}

TEST_F(RefserverLifecycleTest, SigtermFinishesQueuedJobsAndTheyOutliveTheProcess) {
  std::vector<std::int64_t> ids;
  {
    auto server = start({"--pool-workers", "1"});
    ASSERT_NE(port_, 0);
    HttpClient client(port_);
    for (int i = 0; i < 3; ++i) {
      auto response = client.post("/api/jobs", R"({"kind":"sleep","work_ms":300})");
      ASSERT_EQ(response.status, 202);
      ids.push_back(json_of(response)["id"].get<std::int64_t>());
    }
    EXPECT_EQ(stop(*server), 0) << server->stderr_text();
  }
  auto server = start();
  ASSERT_NE(port_, 0);
  HttpClient client(port_);
  for (auto id : ids) {
    EXPECT_EQ(json_of(client.get("/api/jobs/" + std::to_string(id)))["status"], "done") << id;
  }
  EXPECT_EQ(stop(*server), 0);
}

}  // namespace
}  // namespace loadgen::refserver::testing
