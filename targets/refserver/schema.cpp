#include "targets/refserver/schema.hpp"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "targets/refserver/sql.hpp"

namespace loadgen::refserver {
namespace {

std::vector<std::string> table_columns(sqlite3* db, std::string_view table) {
  SqlStatement stmt(db, "SELECT name FROM pragma_table_info(?1)");
  stmt.bind(1, table);
  std::vector<std::string> columns;
  while (stmt.step())
    columns.push_back(stmt.text(0));
  return columns;
}

}  // namespace

core::Expected<int> apply_migrations(sqlite3* db, std::span<const Migration> steps) {
  try {
    const auto current = query_int(db, "PRAGMA user_version");
    const int latest = steps.empty() ? 0 : steps.back().version;
    if (current > latest) {
      return core::Expected<int>::failure(
          fmt::format("schema version {} is newer than this server knows ({})", current, latest));
    }
    int applied = 0;
    for (const auto& step : steps) {
      if (step.version <= current)
        continue;
      in_transaction(db, [&] {
        exec(db, step.sql);
        exec(db, fmt::format("PRAGMA user_version = {}", step.version));
      });
      ++applied;
    }
    return applied;
  } catch (const SqlError& e) {
    return core::Expected<int>::failure(fmt::format("migration failed: {}", e.what()));
  }
}

core::Expected<bool> verify_schema(sqlite3* db, std::span<const TableSpec> tables) {
  try {
    for (const auto& spec : tables) {
      const auto columns = table_columns(db, spec.table);
      if (columns.empty()) {
        return core::Expected<bool>::failure(fmt::format("missing table {}", spec.table));
      }
      for (auto column : spec.columns) {
        if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
          return core::Expected<bool>::failure(
              fmt::format("table {} is missing column {}", spec.table, column));
        }
      }
    }
    return true;
  } catch (const SqlError& e) {
    return core::Expected<bool>::failure(fmt::format("cannot read the schema: {}", e.what()));
  }
}

}  // namespace loadgen::refserver
