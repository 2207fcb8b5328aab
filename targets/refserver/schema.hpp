#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"

struct sqlite3;

// Versioned migrations (PRAGMA user_version) and the start-up schema check. Both report in one
// line naming the table or column, since a wrong schema must stop the server before it listens.
namespace loadgen::refserver {

struct TableSpec {
  std::string_view table;
  std::vector<std::string_view> columns;
};

struct Migration {
  int version;           // user_version after this step; strictly increasing
  std::string_view sql;  // run in one transaction with the version bump
};

// Applies every step newer than the database's user_version, so running it twice changes
// nothing. Returns how many steps ran. Fails when the database is newer than `steps` know.
core::Expected<int> apply_migrations(sqlite3* db, std::span<const Migration> steps);

// "missing table jobs" or "table jobs is missing column fingerprint" for the first gap.
core::Expected<bool> verify_schema(sqlite3* db, std::span<const TableSpec> tables);

}  // namespace loadgen::refserver
