#include "targets/pagination/schema.hpp"

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <sqlite3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/pagination/database.hpp"
#include "tests/targets/pagination/test_support.hpp"

namespace loadgen::targets {
namespace {

using pagination_test::all_items;
using pagination_test::exec;
using pagination_test::open_db;
using pagination_test::TempDir;
using ::testing::HasSubstr;

std::string journal_mode(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  std::string mode;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return mode;
}

void expect_migrate_fails(const std::string& create_sql, std::string_view reason) {
  Database db = open_db(":memory:");
  exec(db.handle(), create_sql);
  auto r = migrate(db.handle());
  ASSERT_FALSE(r.ok()) << create_sql;
  EXPECT_EQ(r.error().code, ErrorCode::kDatabase);
  EXPECT_THAT(r.error().message, HasSubstr(reason));
}

TEST(PaginationSchema, OpensFilesInWalMode) {
  TempDir dir;
  Database db = open_db(dir.file("items.sqlite3"));
  EXPECT_EQ(journal_mode(db.handle()), "wal");
}

TEST(PaginationSchema, SeedFoldsItsWriteAheadLogBackIntoTheDatabase) {
  TempDir dir;
  Database db = open_db(dir.file("items.sqlite3"));
  ASSERT_TRUE(migrate(db.handle()).ok());
  ASSERT_TRUE(seed_items(db.handle(), SeedOptions{.rows = 20'000}).ok());
  EXPECT_EQ(std::filesystem::file_size(dir.file("items.sqlite3-wal")), 0U);
  EXPECT_EQ(*count_items(db.handle()), 20'000);
}

TEST(PaginationSchema, OpenReportsAnUnusablePath) {
  auto db = Database::open("/nonexistent-dir/for/sure/items.sqlite3");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kDatabase);
  EXPECT_THAT(db.error().message, HasSubstr("cannot open database '/nonexistent-dir"));
}

TEST(PaginationSchema, MigrateIsIdempotentAndKeepsRows) {
  TempDir dir;
  Database db = open_db(dir.file("items.sqlite3"));
  ASSERT_TRUE(migrate(db.handle()).ok());
  ASSERT_TRUE(seed_items(db.handle(), SeedOptions{.rows = 10}).ok());
  auto again = migrate(db.handle());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*count_items(db.handle()), 10);
  // A second connection, as a restarted server would open, sees a complete schema too.
  Database other = open_db(dir.file("items.sqlite3"));
  EXPECT_TRUE(migrate(other.handle()).ok());
}

TEST(PaginationSchema, MigrateRejectsAForeignItemsTable) {
  expect_migrate_fails(
      "CREATE TABLE items (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, "
      "name TEXT NOT NULL, payload TEXT NOT NULL)",
      "column id declared as 'TEXT PRIMARY KEY', expected 'INTEGER PRIMARY KEY'");
  expect_migrate_fails(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER, name TEXT NOT NULL, "
      "payload TEXT NOT NULL)",
      "column created_at declared as 'INTEGER', expected 'INTEGER NOT NULL'");
  expect_migrate_fails(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, "
      "name TEXT NOT NULL)",
      "table items has no column payload");
  expect_migrate_fails(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, "
      "name TEXT NOT NULL, payload TEXT NOT NULL);"
      "CREATE INDEX items_created_at_id ON items (created_at)",
      "index items_created_at_id is on (created_at), expected (created_at, id)");
}

TEST(PaginationSchema, VerifyNamesWhatIsMissingAndChangesNothing) {
  Database db = open_db(":memory:");
  auto empty = verify_schema(db.handle());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kDatabase);
  EXPECT_EQ(empty.error().message, "table items does not exist");
  EXPECT_FALSE(verify_schema(db.handle()).ok()) << "verify must not create the table";

  ASSERT_TRUE(migrate(db.handle()).ok());
  EXPECT_TRUE(verify_schema(db.handle()).ok());
  exec(db.handle(), "DROP INDEX items_created_at_id");
  auto no_index = verify_schema(db.handle());
  ASSERT_FALSE(no_index.ok());
  EXPECT_EQ(no_index.error().message, "index items_created_at_id does not exist");
}

TEST(PaginationSchema, SeedIsDeterministicAndFillsUpToTheRequestedRows) {
  Database once = open_db(":memory:");
  Database in_steps = open_db(":memory:");
  ASSERT_TRUE(migrate(once.handle()).ok());
  ASSERT_TRUE(migrate(in_steps.handle()).ok());

  EXPECT_EQ(*seed_items(once.handle(), SeedOptions{.rows = 500}), 500);
  EXPECT_EQ(*seed_items(in_steps.handle(), SeedOptions{.rows = 200}), 200);
  EXPECT_EQ(*seed_items(in_steps.handle(), SeedOptions{.rows = 500}), 300);
  EXPECT_EQ(*seed_items(in_steps.handle(), SeedOptions{.rows = 500}), 0) << "idempotent";
  EXPECT_EQ(*seed_items(in_steps.handle(), SeedOptions{.rows = 100}), 0) << "never deletes";

  const std::vector<Item> rows = all_items(once.handle());
  ASSERT_EQ(rows.size(), 500U);
  EXPECT_EQ(all_items(in_steps.handle()), rows);
  EXPECT_EQ(rows[41].name, "item-42");
  EXPECT_EQ(rows[41].payload.size(), 64U);
}

TEST(PaginationSchema, DifferentSeedsGiveDifferentRows) {
  Database a = open_db(":memory:");
  Database b = open_db(":memory:");
  ASSERT_TRUE(migrate(a.handle()).ok() && migrate(b.handle()).ok());
  ASSERT_TRUE(seed_items(a.handle(), SeedOptions{.rows = 100, .seed = 1}).ok());
  ASSERT_TRUE(seed_items(b.handle(), SeedOptions{.rows = 100, .seed = 2}).ok());
  EXPECT_NE(all_items(a.handle()), all_items(b.handle()));
}

TEST(PaginationSchema, SeededRowsHaveTiesAndOutOfOrderIds) {
  Database db = open_db(":memory:");
  ASSERT_TRUE(migrate(db.handle()).ok());
  ASSERT_TRUE(seed_items(db.handle(), SeedOptions{.rows = 1000, .start_ms = 5'000}).ok());
  const std::vector<Item> by_id = all_items(db.handle());
  std::set<int64_t> distinct_times;
  bool out_of_order = false;
  for (size_t i = 0; i < by_id.size(); ++i) {
    distinct_times.insert(by_id[i].created_at);
    EXPECT_GE(by_id[i].created_at, 5'000);
    out_of_order = out_of_order || (i > 0 && by_id[i].created_at < by_id[i - 1].created_at);
  }
  EXPECT_LT(distinct_times.size(), 700U) << "many rows share a millisecond";
  EXPECT_GT(distinct_times.size(), 300U) << "but not all of them";
  EXPECT_TRUE(out_of_order) << "id order differs from created_at order";
}

TEST(PaginationSchema, SeedRejectsBadOptionsAndAMissingTable) {
  Database db = open_db(":memory:");
  auto no_table = seed_items(db.handle(), SeedOptions{.rows = 1});
  ASSERT_FALSE(no_table.ok());
  EXPECT_EQ(no_table.error().code, ErrorCode::kDatabase);
  EXPECT_THAT(no_table.error().message, HasSubstr("no such table: items"));

  ASSERT_TRUE(migrate(db.handle()).ok());
  auto negative = seed_items(db.handle(), SeedOptions{.rows = -1});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, ErrorCode::kSetup);
  EXPECT_EQ(negative.error().message, "seed rows must be between 0 and 100000000 (got -1)");
  EXPECT_FALSE(seed_items(db.handle(), SeedOptions{.payload_bytes = -1}).ok());
  EXPECT_FALSE(seed_items(db.handle(), SeedOptions{.payload_bytes = 1 << 20}).ok());
  EXPECT_FALSE(seed_items(db.handle(), SeedOptions{.start_ms = -1}).ok());
  EXPECT_EQ(*count_items(db.handle()), 0);
}

TEST(PaginationSchema, AFailedSeedInsertsNothing) {
  Database db = open_db(":memory:");
  ASSERT_TRUE(migrate(db.handle()).ok());
  // A trigger stands in for a disk that fills up half-way through the transaction.
  exec(db.handle(),
       "CREATE TRIGGER fail_late BEFORE INSERT ON items WHEN NEW.id = 150 "
       "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  auto r = seed_items(db.handle(), SeedOptions{.rows = 200});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "seed: inserting item 150: disk full");
  EXPECT_EQ(*count_items(db.handle()), 0);
  EXPECT_EQ(sqlite3_get_autocommit(db.handle()), 1) << "no transaction left open";
}

}  // namespace
}  // namespace loadgen::targets
