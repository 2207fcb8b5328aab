#include "targets/refserver/items_service.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <span>
#include <stdexcept>

#include <fmt/format.h>

#include "targets/refserver/items_json.hpp"
#include "targets/refserver/sql.hpp"
#include "targets/refserver/store_open.hpp"

namespace loadgen::refserver {
namespace {

using OpenResult = core::Expected<std::unique_ptr<ItemsService>>;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

targets::BatcherOptions batcher_options(const ItemsOptions& options) {
  targets::BatcherOptions batcher;
  batcher.max_batch_items = options.batch_size;
  batcher.max_age = options.batch_max_age;
  batcher.capacity = std::max(options.batch_capacity, options.batch_size);
  return batcher;
}

void bind_item(const NewItem& item, targets::RowBinder& row) {
  row.integer(item.id).integer(item.created_at).text(item.name).text(item.payload);
}

using BatchWrite = std::function<targets::SinkResult(std::span<const NewItem>)>;

// Each attempt at a batch, as the batcher's writer thread makes it.
BatchWrite timed_as_insert_batch(BatchWrite write, DbQueryTimes& times) {
  return [write = std::move(write), &times](std::span<const NewItem> items) {
    return times.time(DbQuery::kInsertBatch, [&] { return write(items); });
  };
}

// Ids of new items start above the seeded range, so seeding later (staged start-up) can
// never collide with an item accepted meanwhile.
core::Expected<std::pair<std::int64_t, std::int64_t>> id_and_time_floor(sqlite3* db,
                                                                        std::int64_t seed_rows) {
  try {
    const auto max_id = query_int(db, "SELECT coalesce(max(id), 0) FROM items");
    const auto latest = query_int(db, "SELECT coalesce(max(created_at), 0) FROM items");
    return std::pair{std::max(max_id, seed_rows) + 1, latest};
  } catch (const SqlError& e) {
    return core::Expected<std::pair<std::int64_t, std::int64_t>>::failure(
        std::string("main database: ") + e.what());
  }
}

}  // namespace

OpenResult ItemsService::open(const ItemsOptions& options, const targets::CursorCodec& codec) {
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < options.readers + 1; ++i) {
    auto db = open_connection("main", options.db_path);
    if (!db)
      return OpenResult::failure(db.error());
    auto pages = targets::Paginator::create(db->handle(), codec);
    if (!pages)
      return OpenResult::failure("main database: " + pages.error().message);
    readers.push_back(
        std::make_unique<Reader>(Reader{std::move(db).value(), std::move(pages).value()}));
  }
  auto floor = id_and_time_floor(readers.front()->db.handle(), options.seed_rows);
  if (!floor)
    return OpenResult::failure(floor.error());
  // A long lock wait: a large seed in staged start-up holds the write lock for seconds, and
  // a batch that waits keeps its items (backpressure) where one that fails loses them.
  targets::SqliteSinkOptions sink_options;
  sink_options.busy_timeout = std::chrono::seconds(60);
  auto sink = targets::SqliteSink::open(
      options.db_path.string(), {"items", {"id", "created_at", "name", "payload"}}, sink_options);
  if (!sink)
    return OpenResult::failure("main database writer: " + sink.error());
  try {
    auto service = std::make_unique<ItemsService>(options, std::move(sink).value(), floor->first,
                                                  floor->second);
    for (auto& reader : readers)
      service->readers_.add(std::move(reader));
    return service;
  } catch (const std::exception& e) {
    return OpenResult::failure(fmt::format("items batcher: {}", e.what()));
  }
}

ItemsService::ItemsService(const ItemsOptions& options, std::unique_ptr<targets::SqliteSink> sink,
                           std::int64_t first_new_id, std::int64_t latest_created_at)
    : options_(options),
      sink_(std::move(sink)),
      batcher_(batcher_options(options),
               timed_as_insert_batch(sink_->batch_writer<NewItem>(bind_item), query_times_),
               [](std::span<const NewItem> items, const std::string& error, int attempts) {
                 std::fprintf(stderr, "refserver: %zu items lost after %d attempts: %s\n",
                              items.size(), attempts, error.c_str());
               }),
      next_id_(first_new_id),
      latest_created_at_(latest_created_at) {}

std::int64_t ItemsService::next_created_at() {
  // Never behind an existing row, even if the clock steps back: the page cache relies on
  // new items sorting after every existing one.
  const auto now = now_ms();
  auto latest = latest_created_at_.load(std::memory_order_relaxed);
  while (latest < now && !latest_created_at_.compare_exchange_weak(latest, now)) {
  }
  return std::max(now, latest);
}

targets::Result<std::string> ItemsService::page(std::int64_t limit,
                                                std::optional<std::string_view> cursor) {
  if (auto* cache = cache_view_.load(std::memory_order_acquire)) {
    auto body = query_times_.time(DbQuery::kPageCacheLookup,
                                  [&] { return cache->lookup(limit, cursor.value_or("")); });
    if (body) {
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return std::move(*body);
    }
    cache_misses_.fetch_add(1, std::memory_order_relaxed);
  }
  auto reader = readers_.acquire();
  auto page =
      query_times_.time(DbQuery::kListItems, [&] { return reader->pages.page(limit, cursor); });
  if (!page)
    return page.error();
  return page_json(*page);
}

targets::Result<std::string> ItemsService::page_at_offset(std::int64_t limit, std::int64_t offset) {
  auto reader = readers_.acquire();
  auto page = query_times_.time(DbQuery::kListItemsOffset,
                                [&] { return reader->pages.page_offset(limit, offset); });
  if (!page)
    return page.error();
  return offset_page_json(*page);
}

ItemsService::Added ItemsService::add(std::string name, std::string payload) {
  NewItem item{next_id_.fetch_add(1, std::memory_order_relaxed), next_created_at(), std::move(name),
               std::move(payload)};
  const auto id = item.id;
  switch (batcher_.add(targets::AddMode::reject(), std::move(item))) {
    case targets::AddStatus::kAccepted:
      return {AddStatus::kAccepted, id};
    case targets::AddStatus::kClosed:
      return {AddStatus::kClosed, 0};
    case targets::AddStatus::kBufferFull:
    case targets::AddStatus::kDeadlineExceeded:
      break;
  }
  return {AddStatus::kFull, 0};
}

void ItemsService::attach_cache(std::unique_ptr<PageCache> cache) {
  cache_ = std::move(cache);
  cache_view_.store(cache_.get(), std::memory_order_release);
}

void ItemsService::close() {
  batcher_.close();
}

ItemsFigures ItemsService::figures() const {
  return {batcher_.stats(), cache_hits_.load(std::memory_order_relaxed),
          cache_misses_.load(std::memory_order_relaxed)};
}

}  // namespace loadgen::refserver
