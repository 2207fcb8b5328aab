#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

// RAII over the SQLite C API for refserver's own stores (the queue and cache databases and
// schema checks). Failures throw SqlError; each store catches it at its public boundary.
namespace loadgen::refserver {

class SqlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs statements that return no rows (several allowed).
void exec(sqlite3* db, std::string_view sql);

// One prepared statement, reused across executions and finalized on destruction.
class SqlStatement {
 public:
  SqlStatement(sqlite3* db, std::string_view sql);
  SqlStatement(SqlStatement&& other) noexcept;
  SqlStatement& operator=(SqlStatement&&) = delete;
  SqlStatement(const SqlStatement&) = delete;
  SqlStatement& operator=(const SqlStatement&) = delete;
  ~SqlStatement();

  // 1-based, as ?1 in SQL. Text is copied (SQLITE_TRANSIENT), so temporaries are fine.
  SqlStatement& bind(int index, std::int64_t value);
  SqlStatement& bind(int index, double value);
  SqlStatement& bind(int index, std::string_view text);
  SqlStatement& bind_null(int index);

  // True while a row is available; false when done. Resets itself after the last row.
  bool step();
  // Runs a statement that returns no rows, then resets it.
  void run();
  // Clears bindings and rewinds, ready for the next execution; also ends its read snapshot.
  void reset();

  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// The value of a single-row, single-column integer query.
std::int64_t query_int(sqlite3* db, std::string_view sql);

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back and rethrows when it throws.
template <typename Body>
void in_transaction(sqlite3* db, Body&& body) {
  exec(db, "BEGIN IMMEDIATE");
  try {
    body();
  } catch (...) {
    exec(db, "ROLLBACK");
    throw;
  }
  exec(db, "COMMIT");
}

}  // namespace loadgen::refserver
