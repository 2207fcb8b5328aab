#pragma once

#include <chrono>
#include <string>

#include "targets/pagination/result.hpp"

struct sqlite3;

namespace loadgen::targets {

struct DatabaseOptions {
  // WAL lets each worker's reads run beside one writer without blocking; in-memory databases
  // ignore it.
  bool wal = true;
  // How long a statement waits on a lock held by another connection before failing with
  // kDatabase (SQLITE_BUSY).
  std::chrono::milliseconds busy_timeout{5000};
};

// One SQLite connection, opened read-write (created if missing) and closed on destruction.
// Opened in SQLite's multi-thread mode: a connection must be used by one thread at a time, so
// a server opens one Database per worker thread. Move-only.
class Database {
 public:
  // `path` is a file name, or ":memory:" for a private in-memory database. kDatabase with
  // SQLite's message when the file cannot be opened or the pragmas fail.
  static Result<Database> open(const std::string& path, DatabaseOptions options = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Borrowed handle for migrate(), seed_items() and Paginator; valid while this object lives.
  sqlite3* handle() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace loadgen::targets
