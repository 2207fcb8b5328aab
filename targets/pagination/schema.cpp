#include "targets/pagination/schema.hpp"

#include <array>
#include <string>
#include <vector>

#include <sqlite3.h>

#include <fmt/format.h>

#include "targets/pagination/queries.hpp"
#include "targets/pagination/statement.hpp"

namespace loadgen::targets {
namespace {

constexpr int64_t kMaxSeedRows = 100'000'000;
constexpr int64_t kMaxPayloadBytes = 64 * 1024;
// About two rows per millisecond, each displaced by up to 16 positions: enough ties and
// disorder that ordering by id alone, or by created_at alone, visibly breaks a page walk.
constexpr int64_t kRowsPerMs = 2;
constexpr uint64_t kShuffleWindow = 16;

struct ColumnSpec {
  const char* name;
  const char* type;
  bool not_null;
  bool primary_key;
};
// `id` must be the INTEGER PRIMARY KEY (the rowid), which is what makes the index on
// (created_at, id) a total order the keyset condition can seek in.
constexpr std::array<ColumnSpec, 4> kColumns{{{"id", "INTEGER", false, true},
                                              {"created_at", "INTEGER", true, false},
                                              {"name", "TEXT", true, false},
                                              {"payload", "TEXT", true, false}}};

Error database_error(std::string message) {
  return Error{ErrorCode::kDatabase, std::move(message)};
}

Result<int64_t> query_int64(sqlite3* db, const char* sql) {
  auto stmt = Statement::prepare(db, sql);
  if (!stmt) {
    return stmt.error();
  }
  ResetOnExit reset(*stmt);
  if (stmt->step() != SQLITE_ROW) {
    return stmt->error(sql);
  }
  return stmt->column_int64(0);
}

Result<void> check_column(Statement& info, const ColumnSpec& spec) {
  ResetOnExit reset(info);
  info.bind_text(1, spec.name);
  const int rc = info.step();
  if (rc == SQLITE_DONE) {
    return database_error(fmt::format("table items has no column {}", spec.name));
  }
  if (rc != SQLITE_ROW) {
    return info.error("schema check: reading the items table's columns");
  }
  const std::string type = info.column_text(0);
  const bool not_null = info.column_int64(1) != 0;
  const bool primary_key = info.column_int64(2) != 0;
  if (type != spec.type || not_null != spec.not_null || primary_key != spec.primary_key) {
    return database_error(
        fmt::format("table items has column {} declared as '{}{}{}', expected '{}{}{}'", spec.name,
                    type, not_null ? " NOT NULL" : "", primary_key ? " PRIMARY KEY" : "", spec.type,
                    spec.not_null ? " NOT NULL" : "", spec.primary_key ? " PRIMARY KEY" : ""));
  }
  return {};
}

Result<void> check_columns(sqlite3* db) {
  auto info = Statement::prepare(
      db, "SELECT upper(type), \"notnull\", pk FROM pragma_table_info('items') WHERE name = ?1");
  if (!info) {
    return info.error();
  }
  for (const ColumnSpec& spec : kColumns) {
    if (auto r = check_column(*info, spec); !r) {
      return r;
    }
  }
  return {};
}

Result<void> check_table(sqlite3* db) {
  auto columns = query_int64(db, "SELECT count(*) FROM pragma_table_info('items')");
  if (!columns) {
    return columns.error();
  }
  if (*columns == 0) {
    return database_error("table items does not exist");
  }
  if (auto r = check_columns(db); !r) {
    return r;
  }
  auto keys = query_int64(db, "SELECT count(*) FROM pragma_table_info('items') WHERE pk > 0");
  if (!keys) {
    return keys.error();
  }
  if (*keys != 1) {
    return database_error("table items must have id as its only primary key column");
  }
  return {};
}

Result<void> check_index(sqlite3* db) {
  auto stmt = Statement::prepare(db, sql::kIndexColumns);
  if (!stmt) {
    return stmt.error();
  }
  ResetOnExit reset(*stmt);
  std::vector<std::string> columns;
  int rc = SQLITE_OK;
  while ((rc = stmt->step()) == SQLITE_ROW) {
    columns.push_back(stmt->column_text(0));
  }
  if (rc != SQLITE_DONE) {
    return stmt->error("schema check: reading the index's columns");
  }
  if (columns.empty()) {
    return database_error(fmt::format("index {} does not exist", sql::kIndexName));
  }
  if (columns != std::vector<std::string>{"created_at", "id"}) {
    return database_error(fmt::format("index {} is on ({}), expected (created_at, id)",
                                      sql::kIndexName, fmt::join(columns, ", ")));
  }
  return {};
}

// SplitMix64 (Steele, Lea and Flood): a fast, well-mixed hash of a counter, so each row is a
// pure function of (seed, id) with no generator state to carry between seeding calls.
uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

int64_t seeded_created_at(int64_t id, const SeedOptions& options) {
  const uint64_t r = splitmix64(options.seed * 0x100000001B3ULL + static_cast<uint64_t>(id));
  const auto displacement = static_cast<int64_t>(r % kShuffleWindow);
  return options.start_ms + (id - 1 + displacement) / kRowsPerMs;
}

void fill_payload(std::string& payload, int64_t id, const SeedOptions& options) {
  static constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz0123456789";
  payload.resize(static_cast<size_t>(options.payload_bytes));
  uint64_t state = options.seed ^ (static_cast<uint64_t>(id) << 20);
  for (char& c : payload) {
    state = splitmix64(state);
    c = kLetters[state % kLetters.size()];
  }
}

Result<void> validate(const SeedOptions& options) {
  if (options.rows < 0 || options.rows > kMaxSeedRows) {
    return Error{ErrorCode::kSetup, fmt::format("seed rows must be between 0 and {} (got {})",
                                                kMaxSeedRows, options.rows)};
  }
  if (options.start_ms < 0) {
    return Error{ErrorCode::kSetup, "seed start_ms must not be negative"};
  }
  if (options.payload_bytes < 0 || options.payload_bytes > kMaxPayloadBytes) {
    return Error{ErrorCode::kSetup,
                 fmt::format("seed payload_bytes must be between 0 and {} (got {})",
                             kMaxPayloadBytes, options.payload_bytes)};
  }
  return {};
}

Result<void> insert_rows(Statement& insert, int64_t first_id, const SeedOptions& options) {
  std::string name;
  std::string payload;
  for (int64_t id = first_id; id <= options.rows; ++id) {
    ResetOnExit reset(insert);
    name = fmt::format("item-{}", id);
    fill_payload(payload, id, options);
    insert.bind_int64(1, id);
    insert.bind_int64(2, seeded_created_at(id, options));
    insert.bind_text(3, name);
    insert.bind_text(4, payload);
    if (insert.step() != SQLITE_DONE) {
      return insert.error(fmt::format("seed: inserting item {}", id));
    }
  }
  return {};
}

}  // namespace

Result<void> migrate(sqlite3* db) {
  auto tx = Transaction::begin(db, "migrate");
  if (!tx) {
    return tx.error();
  }
  if (auto r = exec_sql(db, sql::kCreateSchema, "migrate"); !r) {
    return r;
  }
  // IF NOT EXISTS leaves a table or index of another shape in place: say so now rather than
  // with wrong pages later.
  if (auto r = verify_schema(db); !r) {
    return r;
  }
  return tx->commit();
}

Result<void> verify_schema(sqlite3* db) {
  if (auto r = check_table(db); !r) {
    return r;
  }
  return check_index(db);
}

Result<int64_t> seed_items(sqlite3* db, const SeedOptions& options) {
  if (auto r = validate(options); !r) {
    return r.error();
  }
  auto tx = Transaction::begin(db, "seed");
  if (!tx) {
    return tx.error();
  }
  // Read inside the transaction, so a concurrent seeder cannot slip rows in between.
  auto max_id = query_int64(db, sql::kMaxId);
  if (!max_id) {
    return max_id.error();
  }
  if (*max_id >= options.rows) {
    return int64_t{0};
  }
  auto insert = Statement::prepare(db, sql::kInsertItem);
  if (!insert) {
    return insert.error();
  }
  if (auto r = insert_rows(*insert, *max_id + 1, options); !r) {
    return r.error();
  }
  if (auto r = tx->commit(); !r) {
    return r.error();
  }
  // In WAL mode a big seed leaves a log as large as the table, which every reader then searches
  // until some later checkpoint. Folding it back now is best effort: with readers already
  // active it stops early and SQLite's automatic checkpoints finish the job.
  sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  return options.rows - *max_id;
}

Result<int64_t> count_items(sqlite3* db) {
  return query_int64(db, sql::kCountItems);
}

}  // namespace loadgen::targets
