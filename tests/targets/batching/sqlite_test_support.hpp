#pragma once

#include <cstdint>
#include <string>

#include <sqlite3.h>

#include <gtest/gtest.h>

// The test's own connection to a database, to set it up and to check what the sink wrote.
namespace loadgen::targets::testing {

inline constexpr const char* kItemsSchema =
    "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, "
    "name TEXT, payload TEXT)";

class Connection {
 public:
  explicit Connection(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const { return db_; }

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (error ? error : "?");
    }
    sqlite3_free(error);
  }

  // The first column of the first row, as an integer (-1 if there is none).
  int64_t scalar(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    int64_t value = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      value = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    return value;
  }

  std::string text(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      const auto* chars = sqlite3_column_text(statement, 0);
      value = chars ? reinterpret_cast<const char*>(chars) : "";
    }
    sqlite3_finalize(statement);
    return value;
  }

  // Counts COMMITs on this connection from now on (sqlite3_commit_hook).
  void count_commits() { sqlite3_commit_hook(db_, &Connection::on_commit, &commits_); }
  int commits() const { return commits_; }

 private:
  static int on_commit(void* counter) {
    ++*static_cast<int*>(counter);
    return 0;  // 0 lets the commit go ahead
  }

  sqlite3* db_ = nullptr;
  int commits_ = 0;
};

}  // namespace loadgen::targets::testing
