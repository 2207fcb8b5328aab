#include "targets/batching/sqlite_sink.hpp"

#include <cstdint>
#include <exception>

#include <sqlite3.h>

#include <fmt/format.h>

#include "targets/batching/sql_text.hpp"

namespace loadgen::targets {
namespace {

using SinkPtr = std::unique_ptr<SqliteSink>;

// SQLITE_TRANSIENT is an old-style cast in a macro; this is the same value, spelled in C++.
const sqlite3_destructor_type kCopyValue =
    reinterpret_cast<sqlite3_destructor_type>(static_cast<intptr_t>(-1));

// Steps a statement that returns no rows and makes it reusable.
int run(sqlite3_stmt* statement) noexcept {
  const int rc = sqlite3_step(statement);
  sqlite3_reset(statement);
  return rc;
}

std::vector<std::string> table_problems(const SqliteTable& table) {
  std::vector<std::string> problems;
  if (table.name.empty()) {
    problems.emplace_back("the table name is empty");
  }
  if (table.columns.empty()) {
    problems.emplace_back("no columns are given");
  }
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (table.columns[i].empty()) {
      problems.push_back(fmt::format("column {} has an empty name", i + 1));
    }
  }
  return problems;
}

}  // namespace

RowBinder& RowBinder::bound(int rc) noexcept {
  rc_ = rc;
  if (rc == SQLITE_OK) {
    ++next_;
  }
  return *this;
}

RowBinder& RowBinder::integer(int64_t value) {
  return rc_ != SQLITE_OK ? *this : bound(sqlite3_bind_int64(statement_, next_, value));
}

RowBinder& RowBinder::real(double value) {
  return rc_ != SQLITE_OK ? *this : bound(sqlite3_bind_double(statement_, next_, value));
}

RowBinder& RowBinder::text(std::string_view value) {
  // A null pointer would bind SQL NULL, not the empty string.
  const char* data = value.data() != nullptr ? value.data() : "";
  return rc_ != SQLITE_OK ? *this
                          : bound(sqlite3_bind_text64(statement_, next_, data, value.size(),
                                                      kCopyValue, SQLITE_UTF8));
}

RowBinder& RowBinder::blob(std::span<const std::byte> value) {
  if (rc_ != SQLITE_OK) {
    return *this;
  }
  if (value.empty()) {
    return bound(sqlite3_bind_zeroblob(statement_, next_, 0));
  }
  return bound(sqlite3_bind_blob64(statement_, next_, value.data(), value.size(), kCopyValue));
}

RowBinder& RowBinder::null() {
  return rc_ != SQLITE_OK ? *this : bound(sqlite3_bind_null(statement_, next_));
}

void SqliteSink::FinalizeStatement::operator()(sqlite3_stmt* statement) const noexcept {
  sqlite3_finalize(statement);
}

core::Expected<SinkPtr> SqliteSink::open(const std::string& path, SqliteTable table,
                                         SqliteSinkOptions options) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    auto failure =
        core::Expected<SinkPtr>::failure(fmt::format("cannot open SQLite database '{}': {}", path,
                                                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return failure;
  }
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  return make(db, true, table, options);
}

core::Expected<SinkPtr> SqliteSink::attach(sqlite3* db, SqliteTable table,
                                           SqliteSinkOptions options) {
  if (db == nullptr) {
    return core::Expected<SinkPtr>::failure("SqliteSink::attach needs an open connection");
  }
  return make(db, false, table, options);
}

core::Expected<SinkPtr> SqliteSink::make(sqlite3* db, bool owns, const SqliteTable& table,
                                         const SqliteSinkOptions& options) {
  // Owned from here on, so every failure below still closes a connection the sink opened.
  SinkPtr sink(new SqliteSink(db, owns));
  if (const auto problems = table_problems(table); !problems.empty()) {
    std::string message = "invalid SQLite table description:";
    for (const auto& problem : problems) {
      message += "\n  - " + problem;
    }
    return core::Expected<SinkPtr>::failure(message);
  }
  if (auto error = sink->prepare_all(table, options); !error.empty()) {
    return core::Expected<SinkPtr>::failure(std::move(error));
  }
  return core::Expected<SinkPtr>(std::move(sink));
}

SqliteSink::~SqliteSink() {
  // Statements first: a connection with live statements does not close.
  insert_.reset();
  begin_.reset();
  commit_.reset();
  rollback_.reset();
  if (owns_) {
    sqlite3_close(db_);
  }
}

std::string SqliteSink::prepare_all(const SqliteTable& table, const SqliteSinkOptions& options) {
  if (!options.setup_sql.empty()) {
    char* message = nullptr;
    if (sqlite3_exec(db_, options.setup_sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string error =
          fmt::format("setup_sql failed: {}", message ? message : sqlite3_errmsg(db_));
      sqlite3_free(message);
      return error;
    }
  }
  columns_ = table.columns.size();
  for (auto [sql, statement] : {std::pair{insert_statement(table.name, table.columns), &insert_},
                                std::pair{std::string("BEGIN IMMEDIATE"), &begin_},
                                std::pair{std::string("COMMIT"), &commit_},
                                std::pair{std::string("ROLLBACK"), &rollback_}}) {
    if (auto error = prepare(sql, *statement); !error.empty()) {
      return error;
    }
  }
  return {};
}

std::string SqliteSink::prepare(const std::string& sql, Statement& into) {
  sqlite3_stmt* statement = nullptr;
  // PERSISTENT: these statements live as long as the sink and are reused for every batch.
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
      SQLITE_OK) {
    return fmt::format("cannot prepare '{}': {}", sql, sqlite3_errmsg(db_));
  }
  into.reset(statement);
  return {};
}

SinkResult SqliteSink::write_rows(size_t count, const RowFn& bind_row) {
  if (count == 0) {
    return SinkResult::success();
  }
  // IMMEDIATE takes the write lock up front, so a busy database fails here (and is retried
  // by the batcher) rather than halfway through the batch.
  if (const int rc = run(begin_.get()); rc != SQLITE_DONE) {
    return SinkResult::failure(fmt::format("BEGIN failed: {}", sqlite3_errmsg(db_)));
  }
  std::string error;
  size_t row = 0;
  try {
    for (; row < count && error.empty(); ++row) {
      error = insert_row(row, bind_row);
    }
  } catch (const std::exception& e) {
    error = fmt::format("row {}: binding threw: {}", row, e.what());
  } catch (...) {
    error = fmt::format("row {}: binding threw", row);
  }
  if (error.empty()) {
    if (run(commit_.get()) == SQLITE_DONE) {
      ++committed_;
      return SinkResult::success();
    }
    error = fmt::format("COMMIT failed: {}", sqlite3_errmsg(db_));
  }
  roll_back();
  return SinkResult::failure(std::move(error));
}

std::string SqliteSink::insert_row(size_t row, const RowFn& bind_row) {
  RowBinder binder(insert_.get());
  bind_row(row, binder);
  if (binder.rc_ != SQLITE_OK) {
    return fmt::format("row {}: binding value {} failed: {}", row, binder.next_,
                       sqlite3_errstr(binder.rc_));
  }
  if (static_cast<size_t>(binder.next_ - 1) != columns_) {
    return fmt::format("row {}: bound {} values for {} columns", row, binder.next_ - 1, columns_);
  }
  if (sqlite3_step(insert_.get()) != SQLITE_DONE) {
    std::string error = fmt::format("row {}: {}", row, sqlite3_errmsg(db_));
    sqlite3_reset(insert_.get());
    return error;
  }
  sqlite3_reset(insert_.get());
  return {};
}

void SqliteSink::roll_back() noexcept {
  // Some errors (a full disk, an I/O error) make SQLite roll back by itself.
  if (sqlite3_get_autocommit(db_) == 0) {
    run(rollback_.get());
  }
}

}  // namespace loadgen::targets
