#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/pagination/cursor_codec.hpp"
#include "targets/pagination/item.hpp"
#include "targets/pagination/result.hpp"
#include "targets/pagination/statement.hpp"

struct sqlite3;

// Pages over the items table in (created_at, id) order, two ways:
//   page()        keyset: each page starts strictly after the position in an opaque cursor,
//                 so every page costs the same however deep it is, and rows inserted while a
//                 client walks the table are neither skipped nor repeated;
//   page_offset() classic LIMIT/OFFSET, for contrast: page N costs O(N), and rows inserted
//                 behind the client's position shift later pages.
//
// Typical server use, one per worker thread:
//   auto db = Database::open(path);                    // its own connection, WAL
//   auto pages = Paginator::create(db->handle(), codec);
//   auto r = pages->page(limit, cursor);               // cursor: std::nullopt for page one
//   if (!r) reply(is_client_error(r.error().code) ? 400 : 500, r.error().message);
namespace loadgen::targets {

// A keyset page: next_cursor is absent exactly when this is the last page.
struct Page {
  std::vector<Item> items;
  std::optional<std::string> next_cursor;
};

// An offset page: next_offset is absent exactly when this is the last page.
struct OffsetPage {
  std::vector<Item> items;
  std::optional<int64_t> next_offset;
};

// Holds one connection's prepared statements, prepared once in create() and reused by every
// call. Not thread-safe, like the SQLite connection it borrows: use one Paginator per
// connection, and that connection from one thread at a time. Move-only.
class Paginator {
 public:
  static constexpr int64_t kMinLimit = 1;
  static constexpr int64_t kMaxLimit = 1000;

  // Borrows `db`, which must outlive the Paginator and already hold the schema (migrate()).
  // kDatabase when the statements cannot be prepared, e.g. the items table is missing.
  static Result<Paginator> create(sqlite3* db, CursorCodec codec);

  // The `limit` rows after `cursor`, or the first `limit` rows without one. kInvalidLimit
  // outside [kMinLimit, kMaxLimit]; kInvalidCursor or kExpiredCursor as CursorCodec::decode
  // explains (checked before any SQL runs); kDatabase when SQLite fails. Never throws for any
  // input. An empty string is an invalid cursor: pass std::nullopt for the first page.
  Result<Page> page(int64_t limit, std::optional<std::string_view> cursor = std::nullopt);

  // The `limit` rows after skipping `offset` rows. kInvalidLimit as above, kInvalidOffset for
  // a negative offset, kDatabase when SQLite fails. An offset past the end gives an empty
  // last page.
  Result<OffsetPage> page_offset(int64_t limit, int64_t offset);

 private:
  Paginator(CursorCodec codec, Statement first, Statement after, Statement at_offset);

  CursorCodec codec_;
  Statement first_;
  Statement after_;
  Statement at_offset_;
};

}  // namespace loadgen::targets
