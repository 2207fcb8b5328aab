#pragma once

#include <cstdint>
#include <filesystem>

#include "harness/core/expected.hpp"

// The main database (items): migrated by the pagination library, verified here, and seeded.
namespace loadgen::refserver {

// Migrates (unless `migrate` is false: then the file must exist) and verifies the items
// table. The error is one line naming the database and the missing table or column.
core::Expected<bool> prepare_main_store(const std::filesystem::path& path, bool migrate);

struct SeedResult {
  std::int64_t inserted = 0;
  std::int64_t total = 0;  // rows in the table afterwards
};

// Tops the table up to ids 1..rows; running it again inserts nothing.
core::Expected<SeedResult> seed_main_store(const std::filesystem::path& path, std::int64_t rows);

}  // namespace loadgen::refserver
