#pragma once

#include <filesystem>
#include <span>
#include <string_view>

#include "harness/core/expected.hpp"
#include "targets/pagination/database.hpp"
#include "targets/refserver/schema.hpp"

// Opening one of refserver's SQLite stores: open (WAL, busy timeout), migrate unless told not
// to, then verify the tables and columns the server reads, so a wrong schema fails at start-up.
namespace loadgen::refserver {

struct StoreSpec {
  std::string_view name;  // "queue", "cache": prefixes every error
  std::filesystem::path path;
  std::span<const Migration> migrations;
  std::span<const TableSpec> tables;
};

// The error is one line: "<name> database <path>: <problem>".
core::Expected<targets::Database> open_store(const StoreSpec& spec, bool migrate);

// Opens a connection (WAL, busy timeout) with no schema work, e.g. a second reader.
core::Expected<targets::Database> open_connection(std::string_view name,
                                                  const std::filesystem::path& path);

}  // namespace loadgen::refserver
