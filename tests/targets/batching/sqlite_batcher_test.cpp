// A Batcher feeding a SqliteSink: the reference server's "items" table, written by several
// producers, one transaction per batch; and a locked database that retries until it is free.
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/batching/batcher.hpp"
#include "targets/batching/sqlite_sink.hpp"
#include "tests/targets/batching/batching_test_support.hpp"
#include "tests/targets/batching/sqlite_test_support.hpp"

namespace loadgen::targets {
namespace {

using namespace std::chrono_literals;
using testing::Connection;
using testing::eventually;
using testing::kItemsSchema;
using testing::TempDb;

// What the reference server inserts.
struct ItemRow {
  int64_t id;
  int64_t created_at_ms;
  std::string name;
  std::string payload;
};

void bind_row(const ItemRow& item, RowBinder& row) {
  row.integer(item.id).integer(item.created_at_ms).text(item.name).text(item.payload);
}

const SqliteTable kItems{"items", {"id", "created_at", "name", "payload"}};

TEST(SqliteBatcher, WritesEveryRowFromManyProducersOneTransactionPerBatch) {
  TempDb file;
  Connection db(file.path());
  db.exec(kItemsSchema);
  auto sink = SqliteSink::attach(db.get(), kItems);
  ASSERT_TRUE(sink) << sink.error();
  db.count_commits();

  BatcherOptions options;
  options.max_batch_items = 250;
  options.max_age = 1h;  // only size triggers, so 1000 rows are exactly four batches
  options.capacity = 1000;
  Batcher<ItemRow> batcher(options, (*sink)->batch_writer<ItemRow>(bind_row));
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&batcher, p] {
      for (int i = 0; i < 500; ++i) {
        const int64_t id = p * 500 + i + 1;
        ASSERT_EQ(batcher.add(AddMode::block_for(60s),
                              {id, 1'700'000'000'000 + id, "item-" + std::to_string(id),
                               R"({"producer":)" + std::to_string(p) + "}"}),
                  AddStatus::kAccepted);
      }
    });
  }
  for (auto& t : producers) {
    t.join();
  }
  batcher.close();

  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 1000);
  EXPECT_EQ(db.scalar("SELECT count(DISTINCT id) FROM items"), 1000);
  EXPECT_EQ(db.scalar("SELECT min(id) FROM items"), 1);
  EXPECT_EQ(db.scalar("SELECT max(id) FROM items"), 1000);
  EXPECT_EQ(db.commits(), 4);
  EXPECT_EQ((*sink)->transactions_committed(), 4u);
  const auto stats = batcher.stats();
  EXPECT_EQ(stats.items_written, 1000u);
  EXPECT_EQ(stats.batches_by_size, 4u);
}

TEST(SqliteBatcher, ALockedDatabaseIsRetriedUntilItIsFree) {
  TempDb file;
  auto sink =
      SqliteSink::open(file.path(), kItems, {.setup_sql = kItemsSchema, .busy_timeout = 1ms});
  ASSERT_TRUE(sink) << sink.error();
  Connection other(file.path());
  other.exec("BEGIN IMMEDIATE");  // holds the write lock

  BatcherOptions options;
  options.max_batch_items = 10;
  options.max_age = 1h;
  options.max_attempts = 1000;
  options.retry_backoff = 5ms;
  options.max_retry_backoff = 5ms;
  Batcher<ItemRow> batcher(options, (*sink)->batch_writer<ItemRow>(bind_row));
  for (int64_t id = 1; id <= 10; ++id) {
    batcher.add(AddMode::reject(), {id, id, "n", "p"});
  }
  ASSERT_TRUE(eventually([&] { return batcher.stats().retries >= 2; }));
  EXPECT_EQ(batcher.stats().items_written, 0u);
  other.exec("COMMIT");
  batcher.flush();
  EXPECT_EQ(other.scalar("SELECT count(*) FROM items"), 10);
  EXPECT_EQ(batcher.stats().items_written, 10u);
  EXPECT_EQ(batcher.stats().items_failed, 0u);
}

TEST(SqliteBatcher, AConstraintViolationFailsOnlyItsBatchAndReportsItsRows) {
  TempDb file;
  Connection db(file.path());
  db.exec(kItemsSchema);
  db.exec("INSERT INTO items VALUES (13, 0, 'taken', NULL)");
  auto sink = SqliteSink::attach(db.get(), kItems);
  ASSERT_TRUE(sink) << sink.error();

  BatcherOptions options;
  options.max_batch_items = 10;
  options.max_age = 1h;
  options.max_attempts = 2;
  options.retry_backoff = 1ms;
  Batcher<ItemRow> batcher(options, (*sink)->batch_writer<ItemRow>(bind_row));
  for (int64_t id = 1; id <= 30; ++id) {
    batcher.add(AddMode::block_for(10s), {id, id, "n", "p"});
  }
  batcher.close();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), 21);  // 1..10, 21..30 and the old 13
  const auto failed = batcher.failed_items();
  ASSERT_EQ(failed.size(), 10u);
  EXPECT_EQ(failed.front().item.id, 11);
  EXPECT_EQ(failed.back().item.id, 20);
  EXPECT_THAT(failed.front().error, ::testing::HasSubstr("UNIQUE constraint failed"));
  EXPECT_EQ(failed.front().attempts, 2);
}

}  // namespace
}  // namespace loadgen::targets
