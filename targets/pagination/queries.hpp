#pragma once

// The SQL of this library in one place, so the query-plan tests check the exact text the
// Paginator prepares.
namespace loadgen::targets::sql {

inline constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS items (
  id         INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,  -- milliseconds since the Unix epoch
  name       TEXT    NOT NULL,
  payload    TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS items_created_at_id ON items (created_at, id);
)sql";

inline constexpr const char* kIndexName = "items_created_at_id";

// The index's columns in order, to catch an index of the same name created by someone else.
inline constexpr const char* kIndexColumns =
    "SELECT name FROM pragma_index_info('items_created_at_id') ORDER BY seqno";

// Proves the columns the Paginator reads exist, whoever created the table.
inline constexpr const char* kCheckColumns =
    "SELECT id, created_at, name, payload FROM items LIMIT 0";

inline constexpr const char* kMaxId = "SELECT coalesce(max(id), 0) FROM items";

inline constexpr const char* kCountItems = "SELECT count(*) FROM items";

inline constexpr const char* kInsertItem =
    "INSERT INTO items (id, created_at, name, payload) VALUES (?1, ?2, ?3, ?4)";

// ?1 = limit + 1: the extra row only tells whether a next page exists.
inline constexpr const char* kFirstPage =
    "SELECT id, created_at, name, payload FROM items "
    "ORDER BY created_at, id LIMIT ?1";

// The row-value comparison is the keyset condition: SQLite seeks the index to created_at >= ?1
// and skips the few rows tied on created_at with id <= ?2 inside the index, so the cost does not
// depend on how deep the page is. ?3 = limit + 1.
inline constexpr const char* kPageAfter =
    "SELECT id, created_at, name, payload FROM items "
    "WHERE (created_at, id) > (?1, ?2) "
    "ORDER BY created_at, id LIMIT ?3";

// For contrast: SQLite must walk and discard `offset` index entries before the first row.
// ?1 = limit + 1, ?2 = offset.
inline constexpr const char* kPageAtOffset =
    "SELECT id, created_at, name, payload FROM items "
    "ORDER BY created_at, id LIMIT ?1 OFFSET ?2";

}  // namespace loadgen::targets::sql
