// The batcher on its thread: size and age triggers, backpressure, retries, failed items,
// and a close() that loses nothing.
#include "targets/batching/batcher.hpp"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/targets/batching/batching_test_support.hpp"

namespace loadgen::targets {
namespace {

using namespace std::chrono_literals;
using ::testing::Each;
using ::testing::ElementsAre;
using testing::eventually;
using ::testing::HasSubstr;
using testing::RecordingSink;
using ::testing::SizeIs;

BatcherOptions options(size_t batch, std::chrono::nanoseconds age, size_t capacity = 1000) {
  BatcherOptions o;
  o.max_batch_items = batch;
  o.max_age = age;
  o.capacity = capacity;
  o.retry_backoff = 1ms;
  return o;
}

TEST(Batcher, FlushesBySize) {
  RecordingSink sink;
  Batcher<int> batcher(options(10, 1h), sink.sink());
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(batcher.add(AddMode::reject(), i), AddStatus::kAccepted);
  }
  ASSERT_TRUE(sink.wait_for_items(30));
  EXPECT_THAT(sink.batches(), Each(SizeIs(10)));
  std::vector<int> expected(30);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(sink.items(), expected);  // in order
  batcher.flush();  // the sink has the items; this waits until the batcher has counted them
  const auto stats = batcher.stats();
  EXPECT_EQ(stats.batches_by_size, 3u);
  EXPECT_EQ(stats.batches_by_age, 0u);
  EXPECT_EQ(stats.items_written, 30u);
}

TEST(Batcher, FlushesByAgeWhenTheBatchDoesNotFill) {
  RecordingSink sink;
  Batcher<int> batcher(options(100, 30ms), sink.sink());
  const auto first_add = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(batcher.add(AddMode::reject(), i), AddStatus::kAccepted);
  }
  ASSERT_TRUE(sink.wait_for_items(5));
  // Never earlier than the age (a lower bound only: a busy machine may be later).
  EXPECT_GE(sink.written_at().front() - first_add, 30ms);
  batcher.flush();
  const auto stats = batcher.stats();
  EXPECT_GE(stats.batches_by_age, 1u);
  EXPECT_EQ(stats.batches_by_size, 0u);
  EXPECT_EQ(stats.batches_by_age + stats.batches_by_request, sink.batches().size());
}

TEST(Batcher, RejectModeFailsAtOnceWhenTheBufferIsFull) {
  RecordingSink sink;
  sink.hold();
  Batcher<int> batcher(options(2, 1h, 4), sink.sink());
  ASSERT_EQ(batcher.add(AddMode::reject(), 1), AddStatus::kAccepted);
  ASSERT_EQ(batcher.add(AddMode::reject(), 2), AddStatus::kAccepted);
  ASSERT_TRUE(sink.wait_for_calls(1));  // the first batch is out of the buffer, stuck in the sink
  for (int i = 3; i <= 6; ++i) {
    ASSERT_EQ(batcher.add(AddMode::reject(), i), AddStatus::kAccepted);
  }
  EXPECT_EQ(batcher.add(AddMode::reject(), 7), AddStatus::kBufferFull);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(batcher.add(AddMode::block_for(20ms), 7), AddStatus::kDeadlineExceeded);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 20ms);
  EXPECT_EQ(batcher.stats().buffered, 4u);
  sink.release();
  batcher.close();
  EXPECT_EQ(sink.items(), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(batcher.stats().items_rejected, 2u);
}

TEST(Batcher, BlockModeGetsInOnceTheSinkCatchesUp) {
  RecordingSink sink;
  sink.hold();
  Batcher<int> batcher(options(2, 1h, 2), sink.sink());
  batcher.add(AddMode::reject(), 1);
  batcher.add(AddMode::reject(), 2);
  ASSERT_TRUE(sink.wait_for_calls(1));
  batcher.add(AddMode::reject(), 3);
  batcher.add(AddMode::reject(), 4);
  AddStatus blocked = AddStatus::kClosed;
  std::thread adder([&] { blocked = batcher.add(AddMode::block_for(30s), 5); });
  ASSERT_TRUE(eventually([&] { return batcher.stats().blocked_adds == 1; }));
  sink.release();
  adder.join();
  EXPECT_EQ(blocked, AddStatus::kAccepted);
  batcher.close();
  EXPECT_EQ(sink.items(), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(Batcher, CloseReleasesBlockedAddsAndStillWritesEverything) {
  RecordingSink sink;
  sink.hold();
  Batcher<int> batcher(options(1, 1h, 1), sink.sink());
  batcher.add(AddMode::reject(), 1);
  ASSERT_TRUE(sink.wait_for_calls(1));
  batcher.add(AddMode::reject(), 2);
  AddStatus blocked = AddStatus::kAccepted;
  std::thread adder([&] { blocked = batcher.add(AddMode::block_for(30s), 3); });
  ASSERT_TRUE(eventually([&] { return batcher.stats().blocked_adds == 1; }));
  std::thread closer([&] { batcher.close(); });
  adder.join();
  EXPECT_EQ(blocked, AddStatus::kClosed);
  sink.release();
  closer.join();
  EXPECT_EQ(sink.items(), (std::vector<int>{1, 2}));
  EXPECT_EQ(batcher.add(AddMode::reject(), 4), AddStatus::kClosed);
}

TEST(Batcher, CloseWritesEverythingFromManyProducersExactlyOnce) {
  constexpr int kProducers = 3;
  constexpr int kEach = 2000;
  RecordingSink sink;
  Batcher<int> batcher(options(64, 1h, 256), sink.sink());
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&batcher, p] {
      for (int i = 0; i < kEach; ++i) {
        ASSERT_EQ(batcher.add(AddMode::block_for(60s), p * kEach + i), AddStatus::kAccepted);
      }
    });
  }
  for (auto& t : producers) {
    t.join();
  }
  batcher.close();
  auto items = sink.items();
  std::sort(items.begin(), items.end());
  std::vector<int> expected(kProducers * kEach);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(items, expected);
  const auto stats = batcher.stats();
  EXPECT_EQ(stats.items_added, expected.size());
  EXPECT_EQ(stats.items_written, expected.size());
  EXPECT_EQ(stats.buffered, 0u);
  EXPECT_EQ(stats.flush_time_ns.total_count(),
            static_cast<int64_t>(stats.batches_by_size + stats.batches_by_age +
                                 stats.batches_by_request));
}

TEST(Batcher, TheDestructorWritesWhatIsBuffered) {
  RecordingSink sink;
  {
    Batcher<int> batcher(options(100, 1h), sink.sink());
    for (int i = 0; i < 7; ++i) {
      batcher.add(AddMode::reject(), i);
    }
  }
  EXPECT_THAT(sink.items(), ElementsAre(0, 1, 2, 3, 4, 5, 6));
}

TEST(Batcher, FlushWritesNowAndWaitsForIt) {
  RecordingSink sink;
  Batcher<int> batcher(options(100, 1h), sink.sink());
  for (int i = 0; i < 3; ++i) {
    batcher.add(AddMode::reject(), i);
  }
  batcher.flush();
  EXPECT_THAT(sink.items(), ElementsAre(0, 1, 2));
  EXPECT_EQ(batcher.stats().batches_by_request, 1u);
  batcher.flush();  // nothing pending: returns at once
  EXPECT_EQ(sink.batches().size(), 1u);
}

TEST(Batcher, AFailedBatchIsRetriedWithBackoffAndCanSucceed) {
  RecordingSink sink([](std::span<const int>, int call) {
    return call < 3 ? "transient " + std::to_string(call) : std::string();
  });
  Batcher<int> batcher(options(100, 1h), sink.sink());
  batcher.add(AddMode::reject(), 1);
  batcher.add(AddMode::reject(), 2);
  batcher.flush();
  EXPECT_THAT(sink.items(), ElementsAre(1, 2));
  const auto stats = batcher.stats();
  EXPECT_EQ(stats.write_attempts, 3u);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.items_failed, 0u);
  EXPECT_TRUE(batcher.failed_items().empty());
}

TEST(Batcher, ABatchFailingEveryAttemptIsReportedItemByItem) {
  // Any batch holding a negative item is poison.
  RecordingSink sink([](std::span<const int> batch, int) {
    return std::any_of(batch.begin(), batch.end(), [](int v) { return v < 0; })
               ? std::string("negative value rejected")
               : std::string();
  });
  std::mutex mutex;
  std::vector<int> reported;
  std::string reported_error;
  int reported_attempts = 0;
  Batcher<int> batcher(options(5, 1h), sink.sink(),
                       [&](std::span<const int> items, const std::string& error, int attempts) {
                         std::lock_guard lock(mutex);
                         reported.assign(items.begin(), items.end());
                         reported_error = error;
                         reported_attempts = attempts;
                       });
  for (int v : {1, 2, 3, 4, 5, 6, -7, 8, 9, 10, 11, 12, 13, 14, 15}) {
    batcher.add(AddMode::reject(), v);
  }
  batcher.close();
  EXPECT_THAT(sink.items(), ElementsAre(1, 2, 3, 4, 5, 11, 12, 13, 14, 15));
  EXPECT_THAT(reported, ElementsAre(6, -7, 8, 9, 10));
  EXPECT_EQ(reported_error, "negative value rejected");
  EXPECT_EQ(reported_attempts, 3);

  const auto failed = batcher.failed_items();
  ASSERT_EQ(failed.size(), 5u);
  EXPECT_EQ(failed[1].item, -7);
  EXPECT_EQ(failed[1].error, "negative value rejected");
  EXPECT_EQ(failed[1].attempts, 3);
  EXPECT_EQ(batcher.take_failed_items().size(), 5u);
  EXPECT_TRUE(batcher.take_failed_items().empty());

  const auto stats = batcher.stats();
  EXPECT_EQ(stats.items_written, 10u);
  EXPECT_EQ(stats.items_failed, 5u);
  EXPECT_EQ(stats.batches_failed, 1u);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.items_added, stats.items_written + stats.items_failed);
}

TEST(Batcher, ASinkThatThrowsCountsAsAFailedAttempt) {
  BatcherOptions o = options(10, 1h);
  o.max_attempts = 2;
  o.failed_items_capacity = 3;
  Batcher<int> batcher(
      o, [](std::span<const int>) -> SinkResult { throw std::runtime_error("connection reset"); });
  for (int i = 0; i < 5; ++i) {
    batcher.add(AddMode::reject(), i);
  }
  batcher.close();
  const auto failed = batcher.failed_items();
  ASSERT_EQ(failed.size(), 3u);  // the newest three are kept
  EXPECT_EQ(failed[0].item, 2);
  EXPECT_THAT(failed[0].error, HasSubstr("sink threw: connection reset"));
  EXPECT_EQ(batcher.stats().failed_items_dropped, 2u);
  EXPECT_EQ(batcher.stats().items_failed, 5u);
}

TEST(Batcher, StatsAreSafeWhileProducersAndTheFlusherRun) {
  RecordingSink sink([](std::span<const int>, int call) {
    return call % 7 == 0 ? std::string("every seventh call fails") : std::string();
  });
  Batcher<int> batcher(options(16, 2ms, 64), sink.sink());
  std::atomic<bool> done{false};
  std::atomic<int> inconsistent{0};
  std::thread reader([&] {
    uint64_t last_written = 0;
    while (!done) {
      const auto s = batcher.stats();
      if (s.items_written + s.items_failed > s.items_added || s.items_written < last_written) {
        ++inconsistent;
      }
      last_written = s.items_written;
    }
  });
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&batcher] {
      for (int i = 0; i < 1500; ++i) {
        batcher.add(AddMode::block_for(60s), i);
      }
    });
  }
  for (auto& t : producers) {
    t.join();
  }
  batcher.close();
  done = true;
  reader.join();
  EXPECT_EQ(inconsistent, 0);
  const auto s = batcher.stats();
  EXPECT_EQ(s.items_added, 3000u);
  EXPECT_EQ(s.items_written + s.items_failed, 3000u);
  EXPECT_EQ(s.items_failed, 0u);  // a retry always follows a seventh call
  EXPECT_GT(s.retries, 0u);
}

TEST(Batcher, BadOptionsOrAMissingSinkAreRejected) {
  BatcherOptions bad;
  bad.max_batch_items = 0;
  EXPECT_THROW(Batcher<int>(bad, [](std::span<const int>) { return SinkResult::success(); }),
               std::invalid_argument);
  EXPECT_THROW(Batcher<int>(BatcherOptions{}, Batcher<int>::Sink{}), std::invalid_argument);
}

TEST(BatcherDeathTest, FlushFromTheSinkIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Batcher<int>* self = nullptr;
        Batcher<int> batcher(options(1, 1h), [&](std::span<const int>) {
          self->flush();
          return SinkResult::success();
        });
        self = &batcher;
        batcher.add(AddMode::reject(), 1);
        std::this_thread::sleep_for(30s);
      },
      "called from its own sink");
}

}  // namespace
}  // namespace loadgen::targets
