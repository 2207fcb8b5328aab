#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <sqlite3.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include "targets/pagination/cursor_codec.hpp"
#include "targets/pagination/database.hpp"
#include "targets/pagination/item.hpp"
#include "targets/pagination/schema.hpp"

// Shared by the pagination tests: scratch databases, a settable clock, and small SQL helpers
// that fail the current test instead of returning errors.
namespace loadgen::targets::pagination_test {

inline constexpr std::string_view kTestKey = "test-key-0123456789abcdef-0123456789";

// A fresh directory under the system temp dir, removed with everything in it (the database
// and its -wal and -shm files) when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pagination-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A clock the test moves by hand; copies share the same time.
class ManualClock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start)
      : now_(std::make_shared<std::chrono::system_clock::time_point>(start)) {}
  void advance(std::chrono::milliseconds by) { *now_ += by; }
  std::chrono::system_clock::time_point now() const { return *now_; }
  auto as_function() const {
    return [now = now_] { return *now; };
  }

 private:
  std::shared_ptr<std::chrono::system_clock::time_point> now_;
};

inline CursorCodec make_codec(std::string_view key = kTestKey, CursorOptions options = {}) {
  auto codec = CursorCodec::create(key, std::move(options));
  EXPECT_TRUE(codec.ok()) << codec.error().message;
  return std::move(codec).value();
}

inline Database open_db(const std::string& path) {
  auto db = Database::open(path);
  EXPECT_TRUE(db.ok()) << db.error().message;
  return std::move(db).value();
}

// An open, migrated database file seeded with `rows` rows.
inline Database open_seeded(const std::string& path, int64_t rows) {
  Database db = open_db(path);
  auto migrated = migrate(db.handle());
  EXPECT_TRUE(migrated.ok()) << migrated.error().message;
  auto seeded = seed_items(db.handle(), SeedOptions{.rows = rows});
  EXPECT_TRUE(seeded.ok()) << seeded.error().message;
  return db;
}

inline void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << (message != nullptr ? message : "?");
  }
  sqlite3_free(message);
}

// Every row of the items table with all its columns, sorted by `order_by`.
inline std::vector<Item> all_items(sqlite3* db, const std::string& order_by = "id") {
  std::vector<Item> items;
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT id, created_at, name, payload FROM items ORDER BY " + order_by;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    return items;
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    items.push_back(Item{sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
                         reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2)),
                         reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3))});
  }
  sqlite3_finalize(stmt);
  return items;
}

// Inserts one row and returns its id (SQLite picks max(id) + 1).
inline int64_t insert_item(sqlite3* db, int64_t created_at, const std::string& name) {
  exec(db, "INSERT INTO items (created_at, name, payload) VALUES (" + std::to_string(created_at) +
               ", '" + name + "', 'inserted')");
  return sqlite3_last_insert_rowid(db);
}

}  // namespace loadgen::targets::pagination_test
