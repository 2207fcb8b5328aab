#include "targets/pagination/database.hpp"

#include <utility>

#include <sqlite3.h>

#include <fmt/format.h>

#include "targets/pagination/statement.hpp"

namespace loadgen::targets {

Result<Database> Database::open(const std::string& path, DatabaseOptions options) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  // sqlite3_open_v2 hands back a handle even on failure (to carry the message); the Database
  // owns it from here on, so every early return below closes it.
  Database db(raw);
  if (rc != SQLITE_OK) {
    return Error{ErrorCode::kDatabase,
                 fmt::format("cannot open database '{}': {}", path,
                             raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  }
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
  // synchronous=NORMAL is the documented pairing with WAL: durable against application crashes,
  // and a power loss can only lose the last commits, never corrupt the file.
  if (options.wal) {
    if (auto r = exec_sql(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "open"); !r) {
      return r.error();
    }
  }
  return db;
}

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

// close_v2 rather than close: if a Paginator still holds statements on this connection, SQLite
// defers the close until they are finalized instead of failing and leaking the handle.
Database::~Database() {
  sqlite3_close_v2(db_);
}

}  // namespace loadgen::targets
