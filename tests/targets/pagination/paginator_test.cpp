#include "targets/pagination/paginator.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/targets/pagination/test_support.hpp"

namespace loadgen::targets {
namespace {

using pagination_test::all_items;
using pagination_test::exec;
using pagination_test::insert_item;
using pagination_test::make_codec;
using pagination_test::ManualClock;
using pagination_test::open_db;
using pagination_test::open_seeded;
using pagination_test::TempDir;
using ::testing::HasSubstr;

Paginator make_paginator(sqlite3* db, CursorCodec codec = make_codec()) {
  auto pages = Paginator::create(db, std::move(codec));
  EXPECT_TRUE(pages.ok()) << pages.error().message;
  return std::move(pages).value();
}

// The order pages must follow, computed here rather than by SQLite's ORDER BY.
std::vector<Item> sorted_by_position(std::vector<Item> items) {
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return std::pair(a.created_at, a.id) < std::pair(b.created_at, b.id);
  });
  return items;
}

// Follows next_cursor from the first page to the last, checking each page's shape on the way.
std::vector<Page> walk(Paginator& pages, int64_t limit) {
  std::vector<Page> out;
  std::optional<std::string> cursor;
  do {
    auto page = pages.page(limit, cursor);
    EXPECT_TRUE(page.ok()) << page.error().message;
    if (!page.ok() || out.size() > 100'000) {
      break;
    }
    if (page->next_cursor) {
      EXPECT_EQ(std::ssize(page->items), limit) << "only the last page may be short";
    }
    cursor = page->next_cursor;
    out.push_back(std::move(page).value());
  } while (cursor);
  return out;
}

std::vector<Item> concat(const std::vector<Page>& pages) {
  std::vector<Item> items;
  for (const Page& p : pages) {
    items.insert(items.end(), p.items.begin(), p.items.end());
  }
  return items;
}

std::vector<int64_t> ids_of(const std::vector<Item>& items) {
  std::vector<int64_t> ids;
  for (const Item& item : items) {
    ids.push_back(item.id);
  }
  return ids;
}

class PaginationPage : public ::testing::Test {
 protected:
  TempDir dir_;
  Database db_ = open_seeded(dir_.file("items.sqlite3"), 1000);
};

TEST_F(PaginationPage, WalkVisitsEveryRowOnceInOrder) {
  // 23 rows in one millisecond, with ids far apart, so ties straddle page boundaries.
  for (int i = 0; i < 23; ++i) {
    insert_item(db_.handle(), 1'700'000'000'100, "tied-" + std::to_string(i));
  }
  const std::vector<Item> expected = sorted_by_position(all_items(db_.handle()));
  ASSERT_EQ(expected.size(), 1023U);
  ASSERT_NE(ids_of(expected), ids_of(all_items(db_.handle(), "id"))) << "ties must matter";
  Paginator pages = make_paginator(db_.handle());
  for (const int64_t limit : {1, 7, 10, 31, 100, 1000}) {
    SCOPED_TRACE(limit);
    const std::vector<Page> walked = walk(pages, limit);
    EXPECT_EQ(std::ssize(walked), (1023 + limit - 1) / limit);
    EXPECT_EQ(concat(walked), expected);
    EXPECT_FALSE(walked.back().next_cursor.has_value());
  }
}

TEST_F(PaginationPage, LastPageHasNoCursorWhenTheLimitDividesTheRowCount) {
  Paginator pages = make_paginator(db_.handle());
  for (const int64_t limit : {1, 8, 100, 500, 1000}) {
    SCOPED_TRACE(limit);
    const std::vector<Page> walked = walk(pages, limit);
    ASSERT_EQ(std::ssize(walked), 1000 / limit) << "no empty page after the last full one";
    EXPECT_EQ(std::ssize(walked.back().items), limit);
    EXPECT_FALSE(walked.back().next_cursor.has_value());
  }
}

TEST(PaginationPageEmpty, AnEmptyTableIsOneEmptyLastPage) {
  Database db = open_seeded(":memory:", 0);
  Paginator pages = make_paginator(db.handle());
  auto page = pages.page(10);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->next_cursor.has_value());
  auto offset_page = pages.page_offset(10, 0);
  ASSERT_TRUE(offset_page.ok());
  EXPECT_TRUE(offset_page->items.empty());
  EXPECT_FALSE(offset_page->next_offset.has_value());
}

TEST_F(PaginationPage, NextCursorIsBase64Url) {
  Paginator pages = make_paginator(db_.handle());
  auto page = pages.page(10);
  ASSERT_TRUE(page.ok() && page->next_cursor.has_value());
  EXPECT_EQ(page->next_cursor->find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST_F(PaginationPage, LimitsOutsideTheRangeAreRejected) {
  Paginator pages = make_paginator(db_.handle());
  constexpr int64_t kHuge = std::numeric_limits<int64_t>::max();
  for (const int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{1001}, kHuge, -kHuge}) {
    auto page = pages.page(bad);
    ASSERT_FALSE(page.ok()) << bad;
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidLimit);
    EXPECT_EQ(page.error().message,
              "limit must be between 1 and 1000 (got " + std::to_string(bad) + ")");
    auto offset_page = pages.page_offset(bad, 0);
    ASSERT_FALSE(offset_page.ok());
    EXPECT_EQ(offset_page.error().code, ErrorCode::kInvalidLimit);
  }
  EXPECT_EQ(pages.page(1)->items.size(), 1U);
  EXPECT_EQ(pages.page(1000)->items.size(), 1000U);
  EXPECT_TRUE(is_client_error(ErrorCode::kInvalidLimit));
}

TEST_F(PaginationPage, NegativeOffsetsAreRejected) {
  Paginator pages = make_paginator(db_.handle());
  auto page = pages.page_offset(10, -1);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kInvalidOffset);
  EXPECT_EQ(page.error().message, "offset must not be negative (got -1)");
  auto past_end = pages.page_offset(10, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(past_end.ok()) << past_end.error().message;
  EXPECT_TRUE(past_end->items.empty());
}

TEST_F(PaginationPage, BadCursorsAreClientErrorsAndLeaveThePaginatorUsable) {
  Paginator pages = make_paginator(db_.handle());
  const std::string good = *pages.page(10)->next_cursor;
  std::string flipped = good;
  flipped[40] = flipped[40] == 'A' ? 'B' : 'A';
  const CursorCodec other_key = make_codec("some-other-key-0123456789");
  const std::string cases[] = {"",
                               "garbage!",
                               good.substr(0, 60),
                               flipped,
                               other_key.encode({1, 1}),
                               "'; DROP TABLE items; --"};
  for (const std::string& bad : cases) {
    auto page = pages.page(10, bad);
    ASSERT_FALSE(page.ok()) << bad;
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidCursor) << bad;
    EXPECT_THAT(page.error().message, HasSubstr("cursor")) << bad;
    EXPECT_TRUE(is_client_error(page.error().code));
  }
  auto next = pages.page(10, good);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->items.size(), 10U);
}

TEST_F(PaginationPage, ExpiredCursorsAreRejected) {
  ManualClock clock(std::chrono::system_clock::now());
  Paginator pages = make_paginator(
      db_.handle(),
      make_codec(pagination_test::kTestKey,
                 CursorOptions{.max_age = std::chrono::minutes(5), .clock = clock.as_function()}));
  const std::string cursor = *pages.page(10)->next_cursor;
  clock.advance(std::chrono::minutes(6));
  auto page = pages.page(10, cursor);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kExpiredCursor);
  EXPECT_TRUE(is_client_error(page.error().code));
}

TEST_F(PaginationPage, RowsInsertedDuringAWalkFollowKeysetRules) {
  Paginator pages = make_paginator(db_.handle());
  auto first = pages.page(100);
  ASSERT_TRUE(first.ok() && first->next_cursor.has_value());
  const Item& last_seen = first->items.back();
  const std::vector<Item> ahead_before = [&] {
    std::vector<Item> all = sorted_by_position(all_items(db_.handle()));
    return std::vector<Item>(all.begin() + 100, all.end());
  }();

  // Behind the cursor: earlier in time, or the same millisecond with a smaller id (impossible
  // for a fresh row, whose id is the largest). Ahead: later, or the same millisecond.
  const int64_t behind = insert_item(db_.handle(), last_seen.created_at - 1, "behind");
  const int64_t same_ms = insert_item(db_.handle(), last_seen.created_at, "same-ms");
  const int64_t ahead = insert_item(db_.handle(), ahead_before[400].created_at, "ahead");

  std::vector<Item> rest;
  std::optional<std::string> cursor = first->next_cursor;
  while (cursor) {
    auto page = pages.page(100, cursor);
    ASSERT_TRUE(page.ok()) << page.error().message;
    rest.insert(rest.end(), page->items.begin(), page->items.end());
    cursor = page->next_cursor;
  }
  const std::vector<int64_t> rest_ids = ids_of(rest);
  const std::set<int64_t> unique(rest_ids.begin(), rest_ids.end());
  EXPECT_EQ(unique.size(), rest_ids.size()) << "no row twice";
  EXPECT_EQ(rest.size(), ahead_before.size() + 2);
  EXPECT_FALSE(unique.contains(behind)) << "rows behind the cursor are not revisited";
  EXPECT_TRUE(unique.contains(same_ms));
  EXPECT_TRUE(unique.contains(ahead));
  for (const Item& item : ahead_before) {
    EXPECT_TRUE(unique.contains(item.id)) << "row " << item.id << " skipped";
  }
  EXPECT_TRUE(std::is_sorted(rest.begin(), rest.end(), [](const Item& a, const Item& b) {
    return std::pair(a.created_at, a.id) < std::pair(b.created_at, b.id);
  }));
}

TEST_F(PaginationPage, OffsetPagesRepeatARowWhenOneIsInsertedBehind) {
  // The failure keyset pagination exists to avoid, shown on the offset pager.
  Paginator pages = make_paginator(db_.handle());
  auto first = pages.page_offset(10, 0);
  ASSERT_TRUE(first.ok() && first->next_offset.has_value());
  insert_item(db_.handle(), first->items.front().created_at - 1, "behind");
  auto second = pages.page_offset(10, *first->next_offset);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->items.front(), first->items.back());
}

TEST_F(PaginationPage, OffsetPagesEqualCursorPagesOnAStaticTable) {
  Paginator pages = make_paginator(db_.handle());
  for (const int64_t limit : {7, 100, 1000}) {
    SCOPED_TRACE(limit);
    const std::vector<Page> by_cursor = walk(pages, limit);
    std::optional<int64_t> offset = 0;
    size_t index = 0;
    while (offset) {
      auto page = pages.page_offset(limit, *offset);
      ASSERT_TRUE(page.ok()) << page.error().message;
      ASSERT_LT(index, by_cursor.size());
      EXPECT_EQ(page->items, by_cursor[index].items) << "page " << index;
      EXPECT_EQ(page->next_offset.has_value(), by_cursor[index].next_cursor.has_value());
      offset = page->next_offset;
      ++index;
    }
    EXPECT_EQ(index, by_cursor.size());
  }
}

TEST_F(PaginationPage, CursorsWorkAcrossConnectionsSharingTheKey) {
  // What a server with one Paginator per worker thread relies on.
  Database other_db = open_db(dir_.file("items.sqlite3"));
  Paginator worker_a = make_paginator(db_.handle());
  Paginator worker_b = make_paginator(other_db.handle());
  auto first = worker_a.page(50);
  ASSERT_TRUE(first.ok());
  auto second = worker_b.page(50, *first->next_cursor);
  ASSERT_TRUE(second.ok()) << second.error().message;
  auto expected = worker_a.page_offset(50, 50);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(second->items, expected->items);
}

TEST(PaginationPageErrors, CreateFailsWithoutTheSchema) {
  Database db = open_db(":memory:");
  auto pages = Paginator::create(db.handle(), make_codec());
  ASSERT_FALSE(pages.ok());
  EXPECT_EQ(pages.error().code, ErrorCode::kDatabase);
  EXPECT_THAT(pages.error().message, HasSubstr("no such table: items"));
  EXPECT_FALSE(is_client_error(pages.error().code));
}

TEST(PaginationPageErrors, SqlFailuresAreResultsNotExceptions) {
  Database db = open_seeded(":memory:", 100);
  Paginator pages = make_paginator(db.handle());
  const std::string cursor = *pages.page(10)->next_cursor;
  exec(db.handle(), "DROP TABLE items");
  auto page = pages.page(10, cursor);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kDatabase);
  EXPECT_THAT(page.error().message, HasSubstr("no such table: items"));
  auto offset_page = pages.page_offset(10, 0);
  ASSERT_FALSE(offset_page.ok());
  EXPECT_EQ(offset_page.error().code, ErrorCode::kDatabase);
}

TEST(PaginationPageErrors, CodesHaveStableNamesAndHttpClasses) {
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidLimit), "invalid_limit");
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidOffset), "invalid_offset");
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidCursor), "invalid_cursor");
  EXPECT_EQ(error_code_name(ErrorCode::kExpiredCursor), "expired_cursor");
  EXPECT_EQ(error_code_name(ErrorCode::kSetup), "setup_error");
  EXPECT_EQ(error_code_name(ErrorCode::kDatabase), "database_error");
  for (const ErrorCode code : {ErrorCode::kInvalidLimit, ErrorCode::kInvalidOffset,
                               ErrorCode::kInvalidCursor, ErrorCode::kExpiredCursor}) {
    EXPECT_TRUE(is_client_error(code)) << error_code_name(code);
  }
  EXPECT_FALSE(is_client_error(ErrorCode::kSetup));
  EXPECT_FALSE(is_client_error(ErrorCode::kDatabase));
}

// The documented threading model: one connection and one Paginator per thread, WAL, while
// another connection writes. Rows inserted ahead of every reader may or may not be seen, but
// every row present at the start is seen exactly once and in order.
TEST(PaginationThreads, OnePaginatorPerThreadWalksConsistentlyBesideAWriter) {
  TempDir dir;
  const std::string path = dir.file("items.sqlite3");
  Database writer = open_seeded(path, 2000);
  const std::vector<Item> original = sorted_by_position(all_items(writer.handle()));
  const int64_t after_all = original.back().created_at + 1;

  std::vector<std::vector<Item>> seen(2);
  std::vector<std::thread> readers;
  for (auto& out : seen) {
    readers.emplace_back([&path, &out] {
      Database db = open_db(path);
      Paginator pages = make_paginator(db.handle());
      out = concat(walk(pages, 50));
    });
  }
  for (int i = 0; i < 200; ++i) {
    insert_item(writer.handle(), after_all + i, "late-" + std::to_string(i));
  }
  for (std::thread& t : readers) {
    t.join();
  }
  for (const std::vector<Item>& items : seen) {
    ASSERT_GE(items.size(), original.size());
    EXPECT_TRUE(std::equal(original.begin(), original.end(), items.begin()));
    const std::vector<int64_t> ids = ids_of(items);
    EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size());
  }
}

}  // namespace
}  // namespace loadgen::targets
