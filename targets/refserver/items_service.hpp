#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"
#include "targets/batching/batcher.hpp"
#include "targets/batching/sqlite_sink.hpp"
#include "targets/pagination/database.hpp"
#include "targets/pagination/paginator.hpp"
#include "targets/refserver/db_query_times.hpp"
#include "targets/refserver/lease_pool.hpp"
#include "targets/refserver/page_cache.hpp"

// The item endpoints behind the HTTP layer: reads through a pool of connections each with its
// own Paginator, writes through the batcher into one SQLite writer, and the page cache once
// start-up has warmed it. Thread-safe.
namespace loadgen::refserver {

struct ItemsOptions {
  std::filesystem::path db_path;
  int readers = 1;  // one per HTTP thread
  std::int64_t seed_rows = 0;
  std::size_t batch_size = 256;
  std::chrono::milliseconds batch_max_age{20};
  std::size_t batch_capacity = 10000;
};

struct NewItem {
  std::int64_t id = 0;
  std::int64_t created_at = 0;
  std::string name;
  std::string payload;
};

struct ItemsFigures {
  targets::BatcherStats batcher;
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;
};

class ItemsService {
 public:
  static constexpr std::int64_t kDefaultLimit = 50;

  // The main store must already be migrated. Opens the readers and the batch writer.
  static core::Expected<std::unique_ptr<ItemsService>> open(const ItemsOptions& options,
                                                            const targets::CursorCodec& codec);

  // The JSON body of a cursor page; the error is the Paginator's (400 or 500 by its code).
  targets::Result<std::string> page(std::int64_t limit, std::optional<std::string_view> cursor);
  targets::Result<std::string> page_at_offset(std::int64_t limit, std::int64_t offset);

  enum class AddStatus { kAccepted, kFull, kClosed };
  struct Added {
    AddStatus status;
    std::int64_t id = 0;
  };
  // Buffers the item for the next batch. Its id is assigned now; the row exists once the
  // batch is written (within batch_max_age).
  Added add(std::string name, std::string payload);

  // From start-up's warm phase on, cursor pages are served from the cache when they can be.
  void attach_cache(std::unique_ptr<PageCache> cache);

  // Runs fn(Paginator&, sqlite3*) with a reader of its own, for start-up work (warming the
  // cache) beside the HTTP threads. One reader more than the HTTP threads exists for this.
  template <typename Fn>
  auto with_reader(Fn&& fn) {
    auto reader = readers_.acquire();
    return fn(reader->pages, reader->db.handle());
  }

  // Writes every accepted item and stops the writer. Idempotent.
  void close();

  ItemsFigures figures() const;
  // list_items, list_items_offset, page_cache_lookup and insert_batch.
  const DbQueryTimes& query_times() const { return query_times_; }

  struct Reader {
    targets::Database db;
    targets::Paginator pages;
  };
  ItemsService(const ItemsOptions& options, std::unique_ptr<targets::SqliteSink> sink,
               std::int64_t first_new_id, std::int64_t latest_created_at);

 private:
  std::int64_t next_created_at();

  ItemsOptions options_;
  LeasePool<Reader> readers_;
  std::unique_ptr<targets::SqliteSink> sink_;
  // Before the batcher: its writer thread records batch inserts until it stops.
  DbQueryTimes query_times_;
  targets::Batcher<NewItem> batcher_;
  std::atomic<std::int64_t> next_id_;
  std::atomic<std::int64_t> latest_created_at_;
  std::unique_ptr<PageCache> cache_;
  std::atomic<PageCache*> cache_view_{nullptr};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::atomic<std::uint64_t> cache_misses_{0};
};

}  // namespace loadgen::refserver
