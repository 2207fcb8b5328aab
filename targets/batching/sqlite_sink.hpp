#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/core/expected.hpp"
#include "targets/batching/sink_result.hpp"

// SQLite's own handle types, so that this header does not need <sqlite3.h>.
struct sqlite3;
struct sqlite3_stmt;

namespace loadgen::targets {

// Binds one row's values to the sink's INSERT, left to right in column order. After a bind
// fails the rest are ignored, and the sink rolls the batch back naming the row and column.
class RowBinder {
 public:
  RowBinder& integer(int64_t value);
  RowBinder& real(double value);
  // Copied by SQLite, so a temporary string is fine.
  RowBinder& text(std::string_view value);
  RowBinder& blob(std::span<const std::byte> value);
  RowBinder& null();

 private:
  friend class SqliteSink;
  explicit RowBinder(sqlite3_stmt* statement) noexcept : statement_(statement) {}
  RowBinder& bound(int rc) noexcept;

  sqlite3_stmt* statement_;
  int next_ = 1;  // SQLite parameters count from 1
  int rc_ = 0;    // SQLITE_OK until a bind fails
};

struct SqliteTable {
  std::string name;                  // the table rows go into
  std::vector<std::string> columns;  // what each row binds, in order
};

struct SqliteSinkOptions {
  // Run once before the INSERT is prepared: a schema, pragmas. May hold several statements.
  std::string setup_sql;
  // How long a write waits for another connection's lock. Applied only to connections the
  // sink opens itself.
  std::chrono::milliseconds busy_timeout{5000};
};

// Writes batches of rows into one table: each batch in ONE transaction (BEGIN IMMEDIATE ...
// COMMIT) through ONE prepared INSERT that every row of every batch reuses. A batch is thus
// all-or-nothing and costs one journal sync, not one per row. Not thread-safe: one writer
// (a Batcher's thread) at a time.
//
//   auto sink = SqliteSink::open("app.db", {"items", {"id", "created_at", "name", "payload"}},
//       {.setup_sql = "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, "
//                     "created_at INTEGER, name TEXT, payload TEXT)"});
//   if (!sink) return fail(sink.error());
class SqliteSink {
 public:
  using RowFn = std::function<void(size_t row, RowBinder& bind)>;

  // Opens the database file at `path`, creating it if needed; the sink owns the connection.
  // Fails (never throws) naming the path, a bad table description, setup_sql's error or the
  // INSERT's preparation error.
  static core::Expected<std::unique_ptr<SqliteSink>> open(const std::string& path,
                                                          SqliteTable table,
                                                          SqliteSinkOptions options = {});
  // Writes through `db`, which stays the caller's: it must outlive the sink and must not be
  // inside a transaction of the caller's own while a batch is written. Fails as open() does.
  static core::Expected<std::unique_ptr<SqliteSink>> attach(sqlite3* db, SqliteTable table,
                                                            SqliteSinkOptions options = {});
  ~SqliteSink();

  SqliteSink(const SqliteSink&) = delete;
  SqliteSink& operator=(const SqliteSink&) = delete;

  // Inserts rows [0, count), bind_row(i, binder) binding row i, in one transaction. On any
  // error (a bind, a wrong number of values, a constraint, a busy database, an exception
  // from bind_row) it rolls back and returns the error with the row it happened on.
  SinkResult write_rows(size_t count, const RowFn& bind_row);

  // A Batcher<Item> sink binding each item with bind(const Item&, RowBinder&). The sink
  // must outlive the batcher.
  template <typename Item, typename Bind>
  std::function<SinkResult(std::span<const Item>)> batch_writer(Bind bind) {
    return [this, bind = std::move(bind)](std::span<const Item> items) {
      return write_rows(items.size(), [&](size_t i, RowBinder& row) { bind(items[i], row); });
    };
  }

  sqlite3* db() const noexcept { return db_; }
  // Batches committed so far.
  uint64_t transactions_committed() const noexcept { return committed_; }

 private:
  struct FinalizeStatement {
    void operator()(sqlite3_stmt* statement) const noexcept;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

  static core::Expected<std::unique_ptr<SqliteSink>> make(sqlite3* db, bool owns,
                                                          const SqliteTable& table,
                                                          const SqliteSinkOptions& options);
  SqliteSink(sqlite3* db, bool owns) noexcept : db_(db), owns_(owns) {}
  std::string prepare_all(const SqliteTable& table, const SqliteSinkOptions& options);
  std::string prepare(const std::string& sql, Statement& into);
  std::string insert_row(size_t row, const RowFn& bind_row);
  void roll_back() noexcept;

  sqlite3* db_;
  bool owns_;
  size_t columns_ = 0;
  Statement insert_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  uint64_t committed_ = 0;
};

}  // namespace loadgen::targets
