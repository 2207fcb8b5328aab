#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "targets/pagination/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

// Thin RAII over the SQLite C API for this library's own use; not part of the server's API.
namespace loadgen::targets {

// Runs SQL that returns no rows of interest (several statements allowed). kDatabase on
// failure, with SQLite's message prefixed by `what` (e.g. "migrate").
Result<void> exec_sql(sqlite3* db, const std::string& sql, std::string_view what);

// One prepared statement, finalized on destruction. Move-only.
class Statement {
 public:
  // Prepared with SQLITE_PREPARE_PERSISTENT: these statements are kept and reused for the
  // life of the connection, and the flag tells SQLite not to take their memory from lookaside.
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // `index` is 1-based, as in SQL's ?1. Return SQLite's result code.
  int bind_int64(int index, int64_t value);
  // Not copied (SQLITE_STATIC, which saves a copy per row when seeding): `text` must stay
  // valid until the statement is stepped and reset.
  int bind_text(int index, std::string_view text);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Ends the current execution and forgets the bindings, ready for the next one.
  void reset();

  int64_t column_int64(int column) const;
  std::string column_text(int column) const;

  // kDatabase carrying the connection's latest message, prefixed by `what`.
  Error error(std::string_view what) const;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends, on every path out. A statement left mid-step keeps
// its read transaction open, which in WAL mode pins an old snapshot and stops checkpoints.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& stmt) : stmt_(stmt) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { stmt_.reset(); }

 private:
  Statement& stmt_;
};

// BEGIN IMMEDIATE now, ROLLBACK on destruction unless commit() succeeded. IMMEDIATE takes the
// write lock up front, so two processes migrating or seeding the same file queue on the busy
// timeout instead of failing half-way with SQLITE_BUSY on their first write.
class Transaction {
 public:
  static Result<Transaction> begin(sqlite3* db, std::string_view what);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Result<void> commit();

 private:
  Transaction(sqlite3* db, std::string_view what) : db_(db), what_(what) {}
  sqlite3* db_ = nullptr;  // null once committed or moved from
  std::string what_;
};

}  // namespace loadgen::targets
