#include "targets/refserver/store_open.hpp"

#include <fmt/format.h>

namespace loadgen::refserver {

core::Expected<targets::Database> open_connection(std::string_view name,
                                                  const std::filesystem::path& path) {
  auto db = targets::Database::open(path.string());
  if (!db) {
    return core::Expected<targets::Database>::failure(
        fmt::format("{} database {}: {}", name, path.string(), db.error().message));
  }
  return std::move(db).value();
}

core::Expected<targets::Database> open_store(const StoreSpec& spec, bool migrate) {
  auto fail = [&](std::string_view problem) {
    return core::Expected<targets::Database>::failure(
        fmt::format("{} database {}: {}", spec.name, spec.path.string(), problem));
  };
  std::error_code ec;
  if (!migrate && !std::filesystem::exists(spec.path, ec)) {
    return fail("does not exist (--no-migrate only verifies an existing schema)");
  }
  auto db = open_connection(spec.name, spec.path);
  if (!db)
    return db;
  if (migrate) {
    if (auto applied = apply_migrations(db->handle(), spec.migrations); !applied) {
      return fail(applied.error());
    }
  }
  if (auto verified = verify_schema(db->handle(), spec.tables); !verified) {
    return fail(verified.error());
  }
  return db;
}

}  // namespace loadgen::refserver
