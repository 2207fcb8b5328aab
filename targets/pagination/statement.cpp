#include "targets/pagination/statement.hpp"

#include <utility>

#include <sqlite3.h>

#include <fmt/format.h>

namespace loadgen::targets {

Result<void> exec_sql(sqlite3* db, const std::string& sql, std::string_view what) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{ErrorCode::kDatabase,
                fmt::format("{}: {}", what, message != nullptr ? message : sqlite3_errmsg(db))};
    sqlite3_free(message);
    return error;
  }
  return {};
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return Error{ErrorCode::kDatabase,
                 fmt::format("cannot prepare \"{}\": {}", sql, sqlite3_errmsg(db))};
  }
  return Statement(raw);
}

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

int Statement::bind_int64(int index, int64_t value) {
  return sqlite3_bind_int64(stmt_, index, value);
}

int Statement::bind_text(int index, std::string_view text) {
  return sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

int Statement::step() {
  return sqlite3_step(stmt_);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::column_text(int column) const {
  // column_text first, then column_bytes: that order gives the length of the UTF-8 form.
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

Error Statement::error(std::string_view what) const {
  return Error{ErrorCode::kDatabase,
               fmt::format("{}: {}", what, sqlite3_errmsg(sqlite3_db_handle(stmt_)))};
}

Result<Transaction> Transaction::begin(sqlite3* db, std::string_view what) {
  if (auto r = exec_sql(db, "BEGIN IMMEDIATE", what); !r) {
    return r.error();
  }
  return Transaction(db, what);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), what_(std::move(other.what_)) {}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Result<void> Transaction::commit() {
  auto r = exec_sql(db_, "COMMIT", what_);
  // On failure the destructor still rolls back; on success there is nothing left to undo.
  if (r) {
    db_ = nullptr;
  }
  return r;
}

}  // namespace loadgen::targets
