// Rows per second into a real database file: batches of 100 and 1000 rows (one transaction
// each) against one transaction per row, all through Batcher + SqliteSink.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

#include <benchmark/benchmark.h>

#include "targets/batching/batcher.hpp"
#include "targets/batching/sqlite_sink.hpp"

namespace {

using namespace std::chrono_literals;
using loadgen::targets::AddMode;
using loadgen::targets::Batcher;
using loadgen::targets::BatcherOptions;
using loadgen::targets::RowBinder;
using loadgen::targets::SqliteSink;

constexpr int kRowsPerIteration = 1000;

struct ItemRow {
  int64_t id;
  int64_t created_at_ms;
  std::string name;
  std::string payload;
};

// A fresh database file per benchmark run, removed afterwards.
class BenchDb {
 public:
  explicit BenchDb(int64_t batch)
      : path_((std::filesystem::temp_directory_path() /
               ("loadgen-batching-bench-" + std::to_string(batch) + "-" +
                std::to_string(::getpid()) + ".db"))
                  .string()) {
    remove();
  }
  ~BenchDb() { remove(); }
  const std::string& path() const { return path_; }

 private:
  void remove() {
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal"}) {
      std::filesystem::remove(path_ + suffix, ignored);
    }
  }
  std::string path_;
};

void BM_SqliteInsert(benchmark::State& state) {
  const auto batch = state.range(0);
  BenchDb db(batch);
  auto sink = SqliteSink::open(
      db.path(), {"items", {"id", "created_at", "name", "payload"}},
      {.setup_sql = "CREATE TABLE items (id INTEGER PRIMARY KEY, created_at INTEGER, "
                    "name TEXT, payload TEXT)"});
  if (!sink) {
    state.SkipWithError(sink.error().c_str());
    return;
  }
  BatcherOptions options;
  options.max_batch_items = static_cast<size_t>(batch);
  options.capacity = static_cast<size_t>(std::max<int64_t>(batch, kRowsPerIteration));
  options.max_age = 1h;  // size or flush() only: the batch size is what is measured
  Batcher<ItemRow> batcher(options,
                           (*sink)->batch_writer<ItemRow>([](const ItemRow& r, RowBinder& b) {
                             b.integer(r.id).integer(r.created_at_ms).text(r.name).text(r.payload);
                           }));
  int64_t next_id = 1;
  for (auto _ : state) {
    for (int i = 0; i < kRowsPerIteration; ++i, ++next_id) {
      batcher.add(AddMode::block_for(60s),
                  {next_id, 1'700'000'000'000 + next_id, "item", R"({"k":"some payload text"})"});
    }
    batcher.flush();
  }
  batcher.close();
  state.SetItemsProcessed(state.iterations() * kRowsPerIteration);
  state.counters["transactions"] = static_cast<double>((*sink)->transactions_committed());
}
BENCHMARK(BM_SqliteInsert)
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->ArgName("batch")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
