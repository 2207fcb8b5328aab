// Tiny tasks per second through WorkerPool and through boost::asio::thread_pool, at 1, 2 and
// 4 threads: the same work, the same submitting thread, the same completion latch.
#include <chrono>
#include <cstdint>
#include <latch>

#include <benchmark/benchmark.h>

#include "harness/core/asio.hpp"
#include "targets/worker_pool/worker_pool.hpp"

namespace {

using namespace std::chrono_literals;
using loadgen::targets::PoolOptions;
using loadgen::targets::SubmitMode;
using loadgen::targets::TaskContext;
using loadgen::targets::WorkerPool;

constexpr int kTasksPerIteration = 10'000;

// A few dependent multiply-adds: small enough that the pool's overhead is what is measured.
void tiny_work(uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 16; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  }
  benchmark::DoNotOptimize(x);
}

void BM_WorkerPool(benchmark::State& state) {
  PoolOptions options;
  options.min_threads = static_cast<size_t>(state.range(0));
  options.max_threads = options.min_threads;
  options.queue_capacity = kTasksPerIteration;  // like asio's unbounded queue for one batch
  WorkerPool pool(options);
  for (auto _ : state) {
    std::latch done(kTasksPerIteration);
    const auto mode = SubmitMode::block_for(60s);  // one clock read per batch, not per task
    for (int i = 0; i < kTasksPerIteration; ++i) {
      pool.submit(mode, [&done, i](TaskContext&) {
        tiny_work(static_cast<uint64_t>(i));
        done.count_down();
      });
    }
    done.wait();
  }
  state.SetItemsProcessed(state.iterations() * kTasksPerIteration);
}
BENCHMARK(BM_WorkerPool)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->ArgName("threads")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_AsioThreadPool(benchmark::State& state) {
  boost::asio::thread_pool pool(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    std::latch done(kTasksPerIteration);
    for (int i = 0; i < kTasksPerIteration; ++i) {
      boost::asio::post(pool, [&done, i] {
        tiny_work(static_cast<uint64_t>(i));
        done.count_down();
      });
    }
    done.wait();
  }
  pool.join();
  state.SetItemsProcessed(state.iterations() * kTasksPerIteration);
}
BENCHMARK(BM_AsioThreadPool)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->ArgName("threads")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
