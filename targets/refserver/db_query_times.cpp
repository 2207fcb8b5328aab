#include "targets/refserver/db_query_times.hpp"

#include <algorithm>
#include <string>

namespace loadgen::refserver {
namespace {

constexpr std::array<std::string_view, kDbQueryKinds> kQueryLabels{
    "list_items",   "list_items_offset", "page_cache_lookup", "insert_batch",
    "ledger_write", "ledger_find",       "ledger_find_by_key"};
// A kind added without a label would render as query="".
static_assert(std::ranges::none_of(kQueryLabels,
                                   [](std::string_view label) { return label.empty(); }));

}  // namespace

std::string_view label_of(DbQuery query) {
  return kQueryLabels[static_cast<std::size_t>(query)];
}

void render_db_query_times(OpenMetricsText& out,
                           std::initializer_list<const DbQueryTimes*> sources) {
  out.family("refserver_db_query_seconds", "histogram",
             "Time of the SQLite queries behind the endpoints, by kind of query.");
  for (const auto* source : sources) {
    if (source == nullptr)
      continue;
    for (std::size_t i = 0; i < kDbQueryKinds; ++i) {
      const auto query = static_cast<DbQuery>(i);
      const auto counts = source->counts(query);
      if (counts.count() == 0)
        continue;
      out.histogram("refserver_db_query_seconds", {{"query", std::string(label_of(query))}},
                    kLatencyBucketBounds, counts.cumulative, counts.sum_seconds);
    }
  }
}

}  // namespace loadgen::refserver
