#include "targets/refserver/sql.hpp"

#include <cstdint>
#include <utility>

#include <sqlite3.h>

#include <fmt/format.h>

namespace loadgen::refserver {
namespace {

// SQLITE_TRANSIENT spelled without its C-style cast (-Wold-style-cast): SQLite copies the text.
const auto kTransient = reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));

[[noreturn]] void throw_sql(sqlite3* db, std::string_view what) {
  throw SqlError(fmt::format("{}: {}", what, sqlite3_errmsg(db)));
}

}  // namespace

void exec(sqlite3* db, std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string error = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw SqlError(error);
  }
}

SqlStatement::SqlStatement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    throw_sql(db, fmt::format("prepare '{}'", sql));
  }
}

SqlStatement::SqlStatement(SqlStatement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

SqlStatement::~SqlStatement() {
  sqlite3_finalize(stmt_);
}

SqlStatement& SqlStatement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
    throw_sql(db_, "bind");
  return *this;
}

SqlStatement& SqlStatement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK)
    throw_sql(db_, "bind");
  return *this;
}

SqlStatement& SqlStatement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), kTransient) !=
      SQLITE_OK) {
    throw_sql(db_, "bind");
  }
  return *this;
}

SqlStatement& SqlStatement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK)
    throw_sql(db_, "bind");
  return *this;
}

bool SqlStatement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE) {
    reset();
    return false;
  }
  const std::string message = sqlite3_errmsg(db_);
  reset();
  throw SqlError(fmt::format("step '{}': {}", sqlite3_sql(stmt_), message));
}

void SqlStatement::run() {
  while (step()) {
  }
}

void SqlStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t SqlStatement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double SqlStatement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string SqlStatement::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  return data == nullptr
             ? std::string{}
             : std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
}

bool SqlStatement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t query_int(sqlite3* db, std::string_view sql) {
  SqlStatement stmt(db, sql);
  if (!stmt.step())
    throw SqlError(fmt::format("'{}' returned no row", sql));
  const auto value = stmt.int64(0);
  stmt.reset();
  return value;
}

}  // namespace loadgen::refserver
