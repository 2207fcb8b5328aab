// SqliteSink on its own (one thread): one transaction per batch, one reused INSERT,
// all-or-nothing batches, and errors that name the row.
#include "targets/batching/sqlite_sink.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/targets/batching/batching_test_support.hpp"
#include "tests/targets/batching/sqlite_test_support.hpp"

namespace loadgen::targets {
namespace {

using testing::Connection;
using ::testing::HasSubstr;
using testing::kItemsSchema;
using testing::TempDb;

const SqliteTable kItems{"items", {"id", "created_at", "name", "payload"}};

std::unique_ptr<SqliteSink> attach_items(Connection& db) {
  auto sink = SqliteSink::attach(db.get(), kItems, {.setup_sql = kItemsSchema});
  EXPECT_TRUE(sink) << sink.error();
  return std::move(sink).value();
}

void bind_item(size_t i, RowBinder& row) {
  row.integer(static_cast<int64_t>(i) + 1)
      .integer(1'700'000'000'000 + static_cast<int64_t>(i))
      .text("item-" + std::to_string(i))
      .text(R"({"n":)" + std::to_string(i) + "}");
}

// The statements live on the connection, so they can be counted and inspected from it.
int count_statements(sqlite3* db) {
  int n = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s)) {
    ++n;
  }
  return n;
}

int insert_runs(sqlite3* db) {
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s)) {
    if (std::string(sqlite3_sql(s)).starts_with("INSERT")) {
      return sqlite3_stmt_status(s, SQLITE_STMTSTATUS_RUN, 0);
    }
  }
  return -1;
}

TEST(SqliteSink, WritesABatchInOneTransactionWithOneReusedStatement) {
  TempDb file;
  Connection db(file.path());
  auto sink = attach_items(db);
  ASSERT_TRUE(sink);
  db.count_commits();
  const int statements = count_statements(db.get());

  ASSERT_TRUE(sink->write_rows(500, bind_item).ok());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 500);
  EXPECT_EQ(db.commits(), 1);

  const auto second =
      sink->write_rows(300, [](size_t i, RowBinder& row) { bind_item(i + 500, row); });
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 800);
  EXPECT_EQ(db.commits(), 2);
  EXPECT_EQ(sink->transactions_committed(), 2u);
  // No statement was prepared per batch, and one INSERT ran for every row of both batches.
  EXPECT_EQ(count_statements(db.get()), statements);
  EXPECT_EQ(insert_runs(db.get()), 800);
  EXPECT_EQ(db.text("SELECT payload FROM items WHERE id = 800"), R"({"n":799})");
}

TEST(SqliteSink, AFailingRowRollsTheWholeBatchBackAndIsNamed) {
  TempDb file;
  Connection db(file.path());
  auto sink = attach_items(db);
  ASSERT_TRUE(sink);
  db.exec("INSERT INTO items VALUES (5, 0, 'already there', NULL)");
  db.count_commits();

  const auto result = sink->write_rows(10, bind_item);  // ids 1..10, so row 4 collides
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error(), HasSubstr("row 4"));
  EXPECT_THAT(result.error(), HasSubstr("UNIQUE constraint failed"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 1);
  EXPECT_EQ(db.commits(), 0);
  EXPECT_EQ(sqlite3_get_autocommit(db.get()), 1) << "the transaction was left open";

  // The connection and statement are fine afterwards.
  ASSERT_TRUE(sink->write_rows(3, [](size_t i, RowBinder& row) { bind_item(i + 100, row); }).ok());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 4);
}

TEST(SqliteSink, TheWrongNumberOfValuesFailsTheBatch) {
  TempDb file;
  Connection db(file.path());
  auto sink = attach_items(db);
  ASSERT_TRUE(sink);
  const auto result = sink->write_rows(2, [](size_t i, RowBinder& row) {
    row.integer(static_cast<int64_t>(i)).integer(0).text("short");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error(), HasSubstr("row 0: bound 3 values for 4 columns"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 0);

  const auto too_many = sink->write_rows(1, [](size_t, RowBinder& row) {
    row.integer(1).integer(0).text("a").text("b").text("extra");
  });
  ASSERT_FALSE(too_many.ok());
  EXPECT_THAT(too_many.error(), HasSubstr("binding value 5 failed"));
}

TEST(SqliteSink, AnExceptionWhileBindingRollsBack) {
  TempDb file;
  Connection db(file.path());
  auto sink = attach_items(db);
  ASSERT_TRUE(sink);
  const auto result = sink->write_rows(5, [](size_t i, RowBinder& row) {
    if (i == 3) {
      throw std::runtime_error("bad item");
    }
    bind_item(i, row);
  });
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error(), HasSubstr("row 3: binding threw: bad item"));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 0);
  EXPECT_EQ(sqlite3_get_autocommit(db.get()), 1);
}

TEST(SqliteSink, BindsEmptyTextAsTextAndNullAsNull) {
  TempDb file;
  Connection db(file.path());
  auto sink = attach_items(db);
  ASSERT_TRUE(sink);
  ASSERT_TRUE(sink->write_rows(1,
                               [](size_t, RowBinder& row) {
                                 row.integer(1).integer(2).text(std::string_view{}).null();
                               })
                  .ok());
  EXPECT_EQ(db.text("SELECT typeof(name) FROM items"), "text");
  EXPECT_EQ(db.text("SELECT typeof(payload) FROM items"), "null");
}

TEST(SqliteSink, OpenCreatesTheFileAndRunsTheSetup) {
  TempDb file;
  auto sink = SqliteSink::open(
      file.path(), kItems, {.setup_sql = std::string(kItemsSchema) + "; PRAGMA user_version = 7"});
  ASSERT_TRUE(sink) << sink.error();
  ASSERT_TRUE((*sink)->write_rows(20, bind_item).ok());
  EXPECT_EQ((*sink)->transactions_committed(), 1u);
  Connection check(file.path());
  EXPECT_EQ(check.scalar("SELECT count(*) FROM items"), 20);
  EXPECT_EQ(check.scalar("PRAGMA user_version"), 7);
}

TEST(SqliteSink, SetUpProblemsAreReportedNotThrown) {
  TempDb file;
  auto missing_dir = SqliteSink::open("/nonexistent-dir/x.db", kItems);
  ASSERT_FALSE(missing_dir);
  EXPECT_THAT(missing_dir.error(), HasSubstr("/nonexistent-dir/x.db"));

  auto bad_table = SqliteSink::open(file.path(), {"", {"a", ""}});
  ASSERT_FALSE(bad_table);
  EXPECT_THAT(bad_table.error(), HasSubstr("table name is empty"));
  EXPECT_THAT(bad_table.error(), HasSubstr("column 2 has an empty name"));

  auto no_such_table = SqliteSink::open(file.path(), {"nope", {"a"}});
  ASSERT_FALSE(no_such_table);
  EXPECT_THAT(no_such_table.error(), HasSubstr("no such table: nope"));

  auto bad_setup = SqliteSink::open(file.path(), kItems, {.setup_sql = "CREATE TABLOID x"});
  ASSERT_FALSE(bad_setup);
  EXPECT_THAT(bad_setup.error(), HasSubstr("setup_sql failed"));

  EXPECT_FALSE(SqliteSink::attach(nullptr, kItems));
}

TEST(SqliteSink, AnEmptyBatchIsNotATransaction) {
  TempDb file;
  Connection db(file.path());
  auto sink = attach_items(db);
  ASSERT_TRUE(sink);
  db.count_commits();
  EXPECT_TRUE(sink->write_rows(0, bind_item).ok());
  EXPECT_EQ(db.commits(), 0);
}

}  // namespace
}  // namespace loadgen::targets
