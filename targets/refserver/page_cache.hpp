#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"
#include "targets/pagination/database.hpp"
#include "targets/pagination/paginator.hpp"
#include "targets/refserver/lease_pool.hpp"
#include "targets/refserver/schema.hpp"
#include "targets/refserver/sql.hpp"

// The cache database: the first cursor pages of GET /api/items, rendered, as the warm phase
// of start-up computed them. A client walking from the first page follows cached cursors
// until the cache runs out, then continues on live queries.
//
// Why a cached page stays right: new items get created_at = now, after every existing row in
// the (created_at, id) order, so appends never change a page that has a next page. Only such
// pages are cached. Entries live for half a cursor's lifetime, so a cursor handed out from
// the cache can still be followed; the cursor key is per process, so warm() starts afresh.
namespace loadgen::refserver {

class PageCache {
 public:
  static std::span<const Migration> migrations();
  static std::span<const TableSpec> tables();

  // Opens, migrates (unless `migrate` is false) and verifies the cache database, with
  // `readers` extra connections for concurrent lookups.
  static core::Expected<std::unique_ptr<PageCache>> open(const std::filesystem::path& path,
                                                         bool migrate, int readers,
                                                         std::chrono::milliseconds entry_ttl);

  // Replaces the cache with the first `pages` pages of `limit` items. Returns how many pages
  // it stored (fewer when the table runs out).
  core::Expected<int> warm(targets::Paginator& pages, std::int64_t limit, int page_count);

  // The cached body for (limit, cursor), the first page being cursor "". nullopt on a miss,
  // an expired entry or a read error (the caller then queries live).
  std::optional<std::string> lookup(std::int64_t limit, std::string_view cursor);

  struct Reader {
    targets::Database db;
    SqlStatement select;
  };
  PageCache(targets::Database writer, std::chrono::milliseconds entry_ttl);
  void add_reader(std::unique_ptr<Reader> reader) { readers_.add(std::move(reader)); }

 private:
  targets::Database writer_;
  std::chrono::milliseconds entry_ttl_;
  LeasePool<Reader> readers_;
};

}  // namespace loadgen::refserver
