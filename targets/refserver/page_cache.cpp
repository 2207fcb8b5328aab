#include "targets/refserver/page_cache.hpp"

#include <array>

#include "targets/refserver/items_json.hpp"
#include "targets/refserver/store_open.hpp"

namespace loadgen::refserver {
namespace {

constexpr std::array kMigrations{
    Migration{1, R"sql(
CREATE TABLE IF NOT EXISTS page_cache (
  page_limit   INTEGER NOT NULL,
  cursor       TEXT    NOT NULL,  -- '' for the first page
  body         TEXT    NOT NULL,
  cached_at_ms INTEGER NOT NULL,
  PRIMARY KEY (page_limit, cursor)
) WITHOUT ROWID;
)sql"},
};

constexpr std::string_view kSelect =
    "SELECT body FROM page_cache WHERE page_limit = ?1 AND cursor = ?2 AND cached_at_ms >= ?3";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::span<const Migration> PageCache::migrations() {
  return kMigrations;
}

std::span<const TableSpec> PageCache::tables() {
  static const std::array kTables{
      TableSpec{"page_cache", {"page_limit", "cursor", "body", "cached_at_ms"}}};
  return kTables;
}

core::Expected<std::unique_ptr<PageCache>> PageCache::open(const std::filesystem::path& path,
                                                           bool migrate, int readers,
                                                           std::chrono::milliseconds entry_ttl) {
  using Result = core::Expected<std::unique_ptr<PageCache>>;
  auto writer = open_store({"cache", path, migrations(), tables()}, migrate);
  if (!writer)
    return Result::failure(writer.error());
  auto cache = std::make_unique<PageCache>(std::move(writer).value(), entry_ttl);
  for (int i = 0; i < readers; ++i) {
    auto db = open_connection("cache", path);
    if (!db)
      return Result::failure(db.error());
    try {
      SqlStatement select(db->handle(), kSelect);
      cache->add_reader(std::make_unique<Reader>(Reader{std::move(db).value(), std::move(select)}));
    } catch (const SqlError& e) {
      return Result::failure(std::string("cache database: ") + e.what());
    }
  }
  return cache;
}

PageCache::PageCache(targets::Database writer, std::chrono::milliseconds entry_ttl)
    : writer_(std::move(writer)), entry_ttl_(entry_ttl) {}

core::Expected<int> PageCache::warm(targets::Paginator& pages, std::int64_t limit, int page_count) {
  int stored = 0;
  try {
    in_transaction(writer_.handle(), [&] {
      exec(writer_.handle(), "DELETE FROM page_cache");
      SqlStatement insert(writer_.handle(),
                          "INSERT INTO page_cache (page_limit, cursor, body, cached_at_ms) "
                          "VALUES (?1, ?2, ?3, ?4)");
      std::string cursor;
      const auto cached_at = now_ms();
      while (stored < page_count) {
        auto page = pages.page(
            limit, cursor.empty() ? std::nullopt : std::optional<std::string_view>(cursor));
        if (!page)
          throw SqlError(page.error().message);
        if (!page->next_cursor)
          break;  // the last page changes with every append
        insert.bind(1, limit).bind(2, cursor).bind(3, page_json(*page)).bind(4, cached_at).run();
        cursor = *page->next_cursor;
        ++stored;
      }
    });
  } catch (const SqlError& e) {
    return core::Expected<int>::failure(std::string("cache warm-up failed: ") + e.what());
  }
  return stored;
}

std::optional<std::string> PageCache::lookup(std::int64_t limit, std::string_view cursor) {
  auto reader = readers_.acquire();
  try {
    reader->select.bind(1, limit).bind(2, cursor).bind(3, now_ms() - entry_ttl_.count());
    if (!reader->select.step())
      return std::nullopt;
    auto body = reader->select.text(0);
    reader->select.reset();
    return body;
  } catch (const SqlError&) {
    reader->select.reset();
    return std::nullopt;
  }
}

}  // namespace loadgen::refserver
