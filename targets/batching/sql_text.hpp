#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace loadgen::targets {

// `name` as a quoted SQL identifier ("a""b" for a"b), so table and column names taken from
// a configuration can never change the statement's meaning.
std::string quote_identifier(std::string_view name);

// INSERT INTO "table" ("c1", "c2") VALUES (?, ?)
std::string insert_statement(std::string_view table, const std::vector<std::string>& columns);

}  // namespace loadgen::targets
