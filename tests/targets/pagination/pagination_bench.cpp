// Time per page at depth 1, 100, 1,000 and 10,000 over 1,000,000 rows (100 rows a page, so
// depth 10,000 is the last page), keyset cursor against LIMIT/OFFSET. The cursor for page d
// is made outside the timed region from the row just before it; the timed region is what a
// server does per request: decode and verify the cursor, run the query, build the next cursor.
//
// Prints Google Benchmark's console table, then per-depth times and the deepest/first ratio
// of each method (goal: cursor below 1.5, offset growing with depth). For JSON, add
// --benchmark_out=FILE --benchmark_out_format=json; --benchmark_repetitions=N makes the
// summary use the fastest repetition, which is the steadiest figure on a shared machine.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "targets/pagination/cursor_codec.hpp"
#include "targets/pagination/database.hpp"
#include "targets/pagination/paginator.hpp"
#include "targets/pagination/schema.hpp"

namespace loadgen::targets {
namespace {

constexpr int64_t kRows = 1'000'000;
constexpr int64_t kLimit = 100;
constexpr std::string_view kKey = "pagination-bench-key-0123456789abcdef";

[[noreturn]] void die(std::string_view what, const Error& error) {
  std::cerr << "pagination_bench: " << what << ": " << error.message << '\n';
  std::exit(1);
}

template <typename T>
T or_die(Result<T> result, std::string_view what) {
  if (!result) {
    die(what, result.error());
  }
  return std::move(result).value();
}

// The seeded table every case reads, built on first use and deleted at exit.
class BenchTable {
 public:
  static BenchTable& get() {
    static BenchTable table;
    return table;
  }

  Paginator& paginator() { return paginator_; }
  const CursorCodec& codec() const { return codec_; }

  // The position of row `index` (0-based) in page order: what a cursor to the page that
  // starts at row index + 1 encodes.
  CursorPosition position_of(int64_t index) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db_.handle(),
                       "SELECT created_at, id FROM items ORDER BY created_at, id LIMIT 1 OFFSET ?1",
                       -1, &stmt, nullptr);
    sqlite3_bind_int64(stmt, 1, index);
    CursorPosition position;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      position = {sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1)};
    }
    sqlite3_finalize(stmt);
    return position;
  }

  BenchTable(const BenchTable&) = delete;
  BenchTable& operator=(const BenchTable&) = delete;
  ~BenchTable() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

 private:
  BenchTable()
      : dir_(make_temp_dir()),
        db_(or_die(Database::open((dir_ / "items.sqlite3").string()), "open")),
        codec_(or_die(CursorCodec::create(kKey), "cursor codec")),
        paginator_(seed_then_create()) {}

  static std::filesystem::path make_temp_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pagination-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "pagination_bench: mkdtemp failed for " << pattern << '\n';
      std::exit(1);
    }
    return pattern;
  }

  Paginator seed_then_create() {
    if (auto r = migrate(db_.handle()); !r) {
      die("migrate", r.error());
    }
    const auto start = std::chrono::steady_clock::now();
    or_die(seed_items(db_.handle(), SeedOptions{.rows = kRows}), "seed");
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::cerr << fmt::format("pagination_bench: seeded {} rows in {:.2f} s\n", kRows, took.count());
    return or_die(Paginator::create(db_.handle(), codec_), "paginator");
  }

  // Declared in construction order: the directory, then the connection, then what uses it.
  std::filesystem::path dir_;
  Database db_;
  CursorCodec codec_;
  Paginator paginator_;
};

// First id of the page at `depth` via the offset pager, to check the cursor page against.
int64_t first_id_by_offset(BenchTable& table, int64_t depth) {
  auto page = table.paginator().page_offset(kLimit, (depth - 1) * kLimit);
  return page && !page->items.empty() ? page->items.front().id : -1;
}

void BM_CursorPage(benchmark::State& state) {
  BenchTable& table = BenchTable::get();
  const int64_t depth = state.range(0);
  std::optional<std::string> cursor;
  if (depth > 1) {
    cursor = table.codec().encode(table.position_of((depth - 1) * kLimit - 1));
  }
  auto check = table.paginator().page(kLimit, cursor);
  if (!check || check->items.empty() ||
      check->items.front().id != first_id_by_offset(table, depth)) {
    state.SkipWithError("the cursor page differs from the offset page at this depth");
    return;
  }
  for (auto _ : state) {
    auto page = table.paginator().page(kLimit, cursor);
    if (!page) {
      state.SkipWithError(page.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(page->items.data());
  }
  state.counters["depth"] = static_cast<double>(depth);
  state.SetItemsProcessed(state.iterations() * kLimit);
}

void BM_OffsetPage(benchmark::State& state) {
  BenchTable& table = BenchTable::get();
  const int64_t depth = state.range(0);
  const int64_t offset = (depth - 1) * kLimit;
  for (auto _ : state) {
    auto page = table.paginator().page_offset(kLimit, offset);
    if (!page) {
      state.SkipWithError(page.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(page->items.data());
  }
  state.counters["depth"] = static_cast<double>(depth);
  state.SetItemsProcessed(state.iterations() * kLimit);
}

BENCHMARK(BM_CursorPage)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OffsetPage)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

// Per-page time at a depth: the fastest repetition's real time, and its fastest CPU time. CPU
// time leaves out the moments other processes held the core, which on a shared machine is most
// of the noise in real time.
struct Timing {
  double real_us = 0;
  double cpu_us = 0;
};

double ratio(const std::map<int64_t, Timing>& by_depth, double Timing::*field) {
  return by_depth.rbegin()->second.*field / by_depth.begin()->second.*field;
}

// The console table as usual, then a depth-by-method summary with the deepest/first ratios.
class DepthRatioReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const auto depth = run.counters.find("depth");
      if (run.error_occurred || depth == run.counters.end()) {
        continue;
      }
      // Repetitions arrive one by one, unless --benchmark_report_aggregates_only leaves only
      // their statistics, of which the median is the closest to "fastest".
      auto* timings = run.run_type == Run::RT_Iteration ? &fastest_
                      : run.aggregate_name == "median"  ? &median_
                                                        : nullptr;
      if (timings != nullptr) {
        record(*timings, run, static_cast<int64_t>(depth->second.value));
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void print_summary(std::ostream& out) const {
    const bool use_fastest = !fastest_.empty();
    const Timings& timings = use_fastest ? fastest_ : median_;
    if (timings.empty()) {
      out << "\nNo successful runs to summarise.\n";
      return;
    }
    out << fmt::format("\nTime per page of {} rows over {} rows, real / CPU ({}):\n", kLimit, kRows,
                       use_fastest ? "fastest repetition" : "median of repetitions");
    out << fmt::format("  {:>13}", "depth");
    for (const auto& [method, by_depth] : timings) {
      out << fmt::format("  {:>24}", method + " (us)");
    }
    out << '\n';
    for (const auto& [depth, unused] : timings.begin()->second) {
      out << fmt::format("  {:>13}", depth);
      for (const auto& [method, by_depth] : timings) {
        const auto at = by_depth.find(depth);
        out << (at == by_depth.end() ? fmt::format("  {:>24}", "-")
                                     : fmt::format("  {:>11.1f} / {:>10.1f}", at->second.real_us,
                                                   at->second.cpu_us));
      }
      out << '\n';
    }
    out << fmt::format("  {:>13}", "deepest/first");
    for (const auto& [method, by_depth] : timings) {
      out << fmt::format("  {:>11.2f} / {:>10.2f}", ratio(by_depth, &Timing::real_us),
                         ratio(by_depth, &Timing::cpu_us));
    }
    out << '\n';
    // Keyset pages should cost the same at every depth; offset pages are expected to grow.
    if (const auto cursor = timings.find("cursor"); cursor != timings.end()) {
      const double real = ratio(cursor->second, &Timing::real_us);
      out << fmt::format("cursor deepest/first ratio {:.2f} (real time): goal < 1.5 {}\n", real,
                         real < 1.5 ? "met" : "MISSED");
    }
  }

 private:
  using Timings = std::map<std::string, std::map<int64_t, Timing>>;  // method -> depth -> time

  static void record(Timings& timings, const Run& run, int64_t depth) {
    const double to_us = 1e6 / benchmark::GetTimeUnitMultiplier(run.time_unit);
    const std::string method = run.run_name.function_name == "BM_CursorPage" ? "cursor" : "offset";
    const Timing seen{run.GetAdjustedRealTime() * to_us, run.GetAdjustedCPUTime() * to_us};
    Timing& best = timings[method][depth];
    best = best.real_us == 0
               ? seen
               : Timing{std::min(best.real_us, seen.real_us), std::min(best.cpu_us, seen.cpu_us)};
  }

  Timings fastest_;
  Timings median_;
};

}  // namespace
}  // namespace loadgen::targets

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  using Reporter = loadgen::targets::DepthRatioReporter;
  Reporter reporter(isatty(STDOUT_FILENO) != 0 ? Reporter::OO_ColorTabular : Reporter::OO_Tabular);
  if (benchmark::RunSpecifiedBenchmarks(&reporter) > 0) {
    reporter.print_summary(std::cout);
  }
  benchmark::Shutdown();
  return 0;
}
