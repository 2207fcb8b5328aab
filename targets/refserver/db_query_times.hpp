#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <string_view>

#include "targets/refserver/bucket_histogram.hpp"
#include "targets/refserver/open_metrics.hpp"

// How long the SQLite queries behind the endpoints take, by kind, as the
// refserver_db_query_seconds histogram: a slow endpoint then shows whether the database is
// why. Each service times the queries it runs; recording is lock-free.
namespace loadgen::refserver {

// The `query` label values. Each kind is run by one service only, so two services' series
// never collide in the exposition.
enum class DbQuery : std::size_t {
  kListItems,        // a cursor page of items (ItemsService)
  kListItemsOffset,  // an offset page of items (ItemsService)
  kPageCacheLookup,  // a cursor page from the cache database (ItemsService)
  kInsertBatch,      // one transaction of accepted items, each attempt (ItemsService)
  kLedgerWrite,      // a finished job's row (JobsService)
  kLedgerFind,       // a job no longer in memory, by id (JobsService)
  kLedgerFindByKey,  // an earlier job by idempotency key (JobsService); keep last
};
inline constexpr std::size_t kDbQueryKinds =
    static_cast<std::size_t>(DbQuery::kLedgerFindByKey) + 1;

std::string_view label_of(DbQuery query);

class DbQueryTimes {
 public:
  void record(DbQuery query, std::chrono::nanoseconds elapsed) noexcept {
    histograms_[static_cast<std::size_t>(query)].record(elapsed);
  }

  // Runs query_fn() and records how long it took; returns what it returned.
  template <typename Fn>
  auto time(DbQuery query, Fn&& query_fn) {
    const auto start = std::chrono::steady_clock::now();
    auto result = query_fn();
    record(query, std::chrono::steady_clock::now() - start);
    return result;
  }

  BucketCounts counts(DbQuery query) const noexcept {
    return histograms_[static_cast<std::size_t>(query)].counts();
  }

 private:
  std::array<BucketHistogram, kDbQueryKinds> histograms_;
};

// The refserver_db_query_seconds family: one series per kind any source has timed.
void render_db_query_times(OpenMetricsText& out,
                           std::initializer_list<const DbQueryTimes*> sources);

}  // namespace loadgen::refserver
