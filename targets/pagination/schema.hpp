#pragma once

#include <cstdint>

#include "targets/pagination/result.hpp"

struct sqlite3;

// The items table the Paginator reads, and deterministic test data for it:
//   items(id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, name TEXT NOT NULL,
//         payload TEXT NOT NULL), index items_created_at_id ON items(created_at, id)
// Every function borrows a connection (Database::handle() or the caller's own) and leaves it
// outside any transaction.
namespace loadgen::targets {

// Creates the table and index if missing, in one transaction, then checks that what exists
// has the columns and index the Paginator needs. Safe to run at every start-up and from
// several processes at once. kDatabase with a message naming the difference when an existing
// `items` table or `items_created_at_id` index has another shape, or when SQLite fails.
Result<void> migrate(sqlite3* db);

// The checks migrate() ends with, changing nothing: for a server started with migrations
// disabled. kDatabase naming what is missing or different ("table items does not exist",
// "index items_created_at_id does not exist", a column's declared type...).
Result<void> verify_schema(sqlite3* db);

struct SeedOptions {
  int64_t rows = 10'000;                 // the table ends up holding ids 1..rows
  uint64_t seed = 1;                     // same seed and id: same row, on every machine
  int64_t start_ms = 1'700'000'000'000;  // the earliest created_at
  int64_t payload_bytes = 64;            // length of each row's payload text
};

// Inserts the rows with ids from max(id) + 1 up to options.rows, in one transaction through one
// prepared statement, and returns how many it inserted (0 when the table is already that full,
// so seeding at every start-up is idempotent). Row `id` is a pure function of (id, seed): one
// call of 1000 rows equals two calls of 500 and 1000. created_at rises with id but about two
// rows share each millisecond and neighbours within 16 ids are shuffled, so the id tiebreak
// and out-of-order inserts both occur. 1M rows take about 3 s on a 2-core VM.
// kSetup for rows outside [0, 100M], start_ms < 0 or payload_bytes outside [0, 64 KiB];
// kDatabase when SQLite fails (nothing is inserted then). Requires migrate() first.
Result<int64_t> seed_items(sqlite3* db, const SeedOptions& options);

// Number of rows in items; kDatabase when SQLite fails.
Result<int64_t> count_items(sqlite3* db);

}  // namespace loadgen::targets
