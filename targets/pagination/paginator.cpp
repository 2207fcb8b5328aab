#include "targets/pagination/paginator.hpp"

#include <iterator>
#include <utility>

#include <sqlite3.h>

#include <fmt/format.h>

#include "targets/pagination/queries.hpp"

namespace loadgen::targets {
namespace {

struct Fetched {
  std::vector<Item> items;
  bool has_more = false;
};

Result<void> check_limit(int64_t limit) {
  if (limit < Paginator::kMinLimit || limit > Paginator::kMaxLimit) {
    return Error{ErrorCode::kInvalidLimit,
                 fmt::format("limit must be between {} and {} (got {})", Paginator::kMinLimit,
                             Paginator::kMaxLimit, limit)};
  }
  return {};
}

Item read_item(const Statement& stmt) {
  return Item{stmt.column_int64(0), stmt.column_int64(1), stmt.column_text(2), stmt.column_text(3)};
}

// Steps a statement bound with LIMIT limit + 1: the extra row is never read, it only says
// whether a next page exists, so a table whose size the limit divides still ends cleanly.
Result<Fetched> fetch(Statement& stmt, int64_t limit, std::string_view what) {
  ResetOnExit reset(stmt);
  Fetched out;
  out.items.reserve(static_cast<size_t>(limit));
  int rc = SQLITE_OK;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    if (std::ssize(out.items) == limit) {
      out.has_more = true;
      return out;
    }
    out.items.push_back(read_item(stmt));
  }
  if (rc != SQLITE_DONE) {
    return stmt.error(what);
  }
  return out;
}

}  // namespace

Result<Paginator> Paginator::create(sqlite3* db, CursorCodec codec) {
  auto first = Statement::prepare(db, sql::kFirstPage);
  if (!first) {
    return first.error();
  }
  auto after = Statement::prepare(db, sql::kPageAfter);
  if (!after) {
    return after.error();
  }
  auto at_offset = Statement::prepare(db, sql::kPageAtOffset);
  if (!at_offset) {
    return at_offset.error();
  }
  return Paginator(std::move(codec), std::move(*first), std::move(*after), std::move(*at_offset));
}

Paginator::Paginator(CursorCodec codec, Statement first, Statement after, Statement at_offset)
    : codec_(std::move(codec)),
      first_(std::move(first)),
      after_(std::move(after)),
      at_offset_(std::move(at_offset)) {}

Result<Page> Paginator::page(int64_t limit, std::optional<std::string_view> cursor) {
  if (auto r = check_limit(limit); !r) {
    return r.error();
  }
  Statement* stmt = &first_;
  if (cursor.has_value()) {
    auto position = codec_.decode(*cursor);
    if (!position) {
      return position.error();
    }
    stmt = &after_;
    stmt->bind_int64(1, position->created_at);
    stmt->bind_int64(2, position->id);
    stmt->bind_int64(3, limit + 1);
  } else {
    stmt->bind_int64(1, limit + 1);
  }
  auto fetched = fetch(*stmt, limit, "page");
  if (!fetched) {
    return fetched.error();
  }
  Page page{std::move(fetched->items), std::nullopt};
  if (fetched->has_more) {
    const Item& last = page.items.back();
    page.next_cursor = codec_.encode(CursorPosition{last.created_at, last.id});
  }
  return page;
}

Result<OffsetPage> Paginator::page_offset(int64_t limit, int64_t offset) {
  if (auto r = check_limit(limit); !r) {
    return r.error();
  }
  if (offset < 0) {
    return Error{ErrorCode::kInvalidOffset,
                 fmt::format("offset must not be negative (got {})", offset)};
  }
  at_offset_.bind_int64(1, limit + 1);
  at_offset_.bind_int64(2, offset);
  auto fetched = fetch(at_offset_, limit, "page_offset");
  if (!fetched) {
    return fetched.error();
  }
  OffsetPage page{std::move(fetched->items), std::nullopt};
  if (fetched->has_more) {
    page.next_offset = offset + std::ssize(page.items);
  }
  return page;
}

}  // namespace loadgen::targets
