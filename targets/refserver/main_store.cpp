#include "targets/refserver/main_store.hpp"

#include <array>

#include <fmt/format.h>

#include "targets/pagination/schema.hpp"
#include "targets/refserver/schema.hpp"
#include "targets/refserver/store_open.hpp"

namespace loadgen::refserver {
namespace {

template <typename T>
core::Expected<T> main_failure(const std::filesystem::path& path, std::string_view problem) {
  return core::Expected<T>::failure(fmt::format("main database {}: {}", path.string(), problem));
}

}  // namespace

core::Expected<bool> prepare_main_store(const std::filesystem::path& path, bool migrate) {
  static const std::array kTables{TableSpec{"items", {"id", "created_at", "name", "payload"}}};
  std::error_code ec;
  if (!migrate && !std::filesystem::exists(path, ec)) {
    return main_failure<bool>(path,
                              "does not exist (--no-migrate only verifies an existing schema)");
  }
  auto db = open_connection("main", path);
  if (!db)
    return core::Expected<bool>::failure(db.error());
  if (migrate) {
    if (auto migrated = targets::migrate(db->handle()); !migrated) {
      return main_failure<bool>(path, migrated.error().message);
    }
  }
  if (auto verified = verify_schema(db->handle(), kTables); !verified) {
    return main_failure<bool>(path, verified.error());
  }
  return true;
}

core::Expected<SeedResult> seed_main_store(const std::filesystem::path& path, std::int64_t rows) {
  auto db = open_connection("main", path);
  if (!db)
    return core::Expected<SeedResult>::failure(db.error());
  targets::SeedOptions options;
  options.rows = rows;
  auto inserted = targets::seed_items(db->handle(), options);
  if (!inserted)
    return main_failure<SeedResult>(path, inserted.error().message);
  auto total = targets::count_items(db->handle());
  if (!total)
    return main_failure<SeedResult>(path, total.error().message);
  return SeedResult{*inserted, *total};
}

}  // namespace loadgen::refserver
