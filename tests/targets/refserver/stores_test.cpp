#include <array>

#include <gtest/gtest.h>

#include "targets/pagination/database.hpp"
#include "targets/refserver/job_ledger.hpp"
#include "targets/refserver/main_store.hpp"
#include "targets/refserver/page_cache.hpp"
#include "targets/refserver/schema.hpp"
#include "targets/refserver/sql.hpp"
#include "tests/targets/refserver/temp_dir.hpp"

namespace loadgen::refserver {
namespace {

using testing::TempDir;

targets::Database open_db(const std::filesystem::path& path) {
  return targets::Database::open(path.string()).value();
}

constexpr std::array kSteps{Migration{1, "CREATE TABLE t (a INTEGER)"},
                            Migration{2, "ALTER TABLE t ADD COLUMN b TEXT"}};

TEST(RefserverSchema, MigrationsRunOnceAndAreVersioned) {
  TempDir dir;
  auto db = open_db(dir / "m.sqlite3");
  EXPECT_EQ(apply_migrations(db.handle(), kSteps).value(), 2);
  EXPECT_EQ(apply_migrations(db.handle(), kSteps).value(), 0);  // run twice: no change
  EXPECT_EQ(query_int(db.handle(), "PRAGMA user_version"), 2);
  EXPECT_EQ(apply_migrations(db.handle(), std::span(kSteps).first(1)).error(),
            "schema version 2 is newer than this server knows (1)");
}

TEST(RefserverSchema, VerifyNamesMissingTableAndColumn) {
  TempDir dir;
  auto db = open_db(dir / "v.sqlite3");
  const std::array tables{TableSpec{"t", {"a", "b"}}};
  EXPECT_EQ(verify_schema(db.handle(), tables).error(), "missing table t");
  exec(db.handle(), "CREATE TABLE t (a INTEGER)");
  EXPECT_EQ(verify_schema(db.handle(), tables).error(), "table t is missing column b");
  exec(db.handle(), "ALTER TABLE t ADD COLUMN b TEXT");
  EXPECT_TRUE(verify_schema(db.handle(), tables));
}

TEST(RefserverMainStore, MigratesSeedsIdempotentlyAndVerifies) {
  TempDir dir;
  const auto path = dir / "main.sqlite3";
  ASSERT_TRUE(prepare_main_store(path, true));
  ASSERT_TRUE(prepare_main_store(path, true));
  auto first = seed_main_store(path, 100).value();
  EXPECT_EQ(first.inserted, 100);
  auto again = seed_main_store(path, 100).value();
  EXPECT_EQ(again.inserted, 0);
  EXPECT_EQ(again.total, 100);
  EXPECT_TRUE(prepare_main_store(path, false));
}

TEST(RefserverMainStore, NoMigrateNamesTheMissingTable) {
  TempDir dir;
  const auto path = dir / "empty.sqlite3";
  EXPECT_NE(prepare_main_store(path, false).error().find("does not exist"), std::string::npos);
  open_db(path);  // now the file exists, without tables
  const auto error = prepare_main_store(path, false).error();
  EXPECT_EQ(error, "main database " + path.string() + ": missing table items");
}

TEST(RefserverMainStore, WrongExistingSchemaNamesTheColumn) {
  TempDir dir;
  const auto path = dir / "wrong.sqlite3";
  exec(open_db(path).handle(),
       "CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, name TEXT NOT "
       "NULL)");
  const auto error = prepare_main_store(path, true).error();
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_NE(error.find("items"), std::string::npos) << error;
  EXPECT_NE(error.find("payload"), std::string::npos) << error;
}

JobRecord finished_job(std::int64_t id, std::string key) {
  JobRecord job;
  job.id = id;
  job.spec = {"resize", 5};
  job.status = JobStatus::kDone;
  job.idempotency_key = std::move(key);
  job.fingerprint = R"({"kind":"resize"})";
  job.queued_at = from_unix_ms(1'700'000'000'000);
  job.started_at = from_unix_ms(1'700'000'000'010);
  job.finished_at = from_unix_ms(1'700'000'000'020);
  job.queue_wait_ms = 10.5;
  job.run_ms = 9.5;
  return job;
}

TEST(RefserverJobLedger, RecordsAndFindsByIdAndKey) {
  TempDir dir;
  auto ledger = JobLedger::open(dir / "q.sqlite3", true).value();
  EXPECT_EQ(ledger->max_id().value(), 0);
  ASSERT_TRUE(ledger->record(finished_job(7, "key-7")));
  ASSERT_TRUE(ledger->record(finished_job(8, "")));
  EXPECT_EQ(ledger->max_id().value(), 8);
  auto found = ledger->find(7).value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, JobStatus::kDone);
  EXPECT_EQ(found->spec.kind, "resize");
  EXPECT_EQ(found->run_ms, 9.5);
  EXPECT_EQ(to_unix_ms(*found->finished_at), 1'700'000'000'020);
  EXPECT_EQ(ledger->find_by_key("key-7").value()->id, 7);
  EXPECT_FALSE(ledger->find(9).value());
  EXPECT_FALSE(ledger->find_by_key("nope").value());
}

TEST(RefserverJobLedger, NoMigrateOnAWrongSchemaNamesTheColumn) {
  TempDir dir;
  const auto path = dir / "q.sqlite3";
  exec(open_db(path).handle(), "CREATE TABLE jobs (id INTEGER PRIMARY KEY, kind TEXT)");
  const auto error = JobLedger::open(path, false).error();
  EXPECT_EQ(error, "queue database " + path.string() + ": table jobs is missing column work_ms");
}

TEST(RefserverPageCache, WarmStoresPagesThatHaveANextPage) {
  TempDir dir;
  const auto main = dir / "main.sqlite3";
  ASSERT_TRUE(prepare_main_store(main, true));
  ASSERT_TRUE(seed_main_store(main, 25));
  auto db = open_db(main);
  auto codec = targets::CursorCodec::create(std::string(32, 'k')).value();
  auto pages = targets::Paginator::create(db.handle(), codec).value();
  auto cache = PageCache::open(dir / "cache.sqlite3", true, 1, std::chrono::minutes(1)).value();
  // 25 rows in pages of 10: two full pages with a next page; the last one is never cached.
  EXPECT_EQ(cache->warm(pages, 10, 20).value(), 2);
  auto first = cache->lookup(10, "");
  ASSERT_TRUE(first);
  EXPECT_NE(first->find("\"next_cursor\":\""), std::string::npos);
  EXPECT_FALSE(cache->lookup(11, ""));
  EXPECT_FALSE(cache->lookup(10, "unknown"));
}

}  // namespace
}  // namespace loadgen::refserver
