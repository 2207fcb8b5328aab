// Single-threaded pieces of the pool: the priority queue, its ring buffers, the dead-letter
// list and the options' validation.
#include "targets/worker_pool/task_queue.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/worker_pool/dead_letter.hpp"
#include "targets/worker_pool/pool_options.hpp"
#include "targets/worker_pool/ring_queue.hpp"

namespace loadgen::targets {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

detail::QueuedTask task(TaskId id, Priority priority) {
  detail::QueuedTask t;
  t.id = id;
  t.priority = priority;
  return t;
}

std::vector<TaskId> drain_ids(detail::TaskQueue& queue) {
  std::vector<TaskId> ids;
  while (!queue.empty()) {
    ids.push_back(queue.pop().id);
  }
  return ids;
}

TEST(TaskQueue, HigherPrioritiesFirstAndFifoWithinOne) {
  detail::TaskQueue queue;
  queue.push(task(1, Priority::kLow));
  queue.push(task(2, Priority::kNormal));
  queue.push(task(3, Priority::kHigh));
  queue.push(task(4, Priority::kLow));
  queue.push(task(5, Priority::kHigh));
  queue.push(task(6, Priority::kNormal));
  EXPECT_EQ(queue.size(), 6u);
  EXPECT_THAT(drain_ids(queue), ElementsAre(3, 5, 2, 6, 1, 4));
}

TEST(TaskQueue, TakeAllEmptiesInPriorityOrder) {
  detail::TaskQueue queue;
  queue.push(task(1, Priority::kLow));
  queue.push(task(2, Priority::kHigh));
  auto all = queue.take_all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, 2u);
  EXPECT_EQ(all[1].id, 1u);
  EXPECT_TRUE(queue.empty());
}

TEST(RingQueue, KeepsOrderAcrossWrapsAndGrowth) {
  detail::RingQueue<int> ring;
  int next_in = 0;
  int next_out = 0;
  // Interleave so the head wraps around several times before and after each growth.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < round % 37 + 1; ++i) {
      ring.push(next_in++);
    }
    for (int i = 0; i < round % 23 && !ring.empty(); ++i) {
      ASSERT_EQ(ring.pop(), next_out++);
    }
  }
  while (!ring.empty()) {
    ASSERT_EQ(ring.pop(), next_out++);
  }
  EXPECT_EQ(next_in, next_out);
}

TEST(RingQueue, ReleasesWhatItPopped) {
  detail::RingQueue<std::shared_ptr<int>> ring;
  auto value = std::make_shared<int>(7);
  ring.push(std::shared_ptr<int>(value));
  EXPECT_EQ(value.use_count(), 2);
  auto out = ring.pop();
  out.reset();
  EXPECT_EQ(value.use_count(), 1);
}

TEST(DeadLetterList, KeepsTheNewestAndCountsTheDropped) {
  DeadLetterList list(2);
  for (TaskId id = 1; id <= 3; ++id) {
    list.add({id, "job", "error " + std::to_string(id), 1});
  }
  const auto letters = list.snapshot();
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters[0].id, 2u);
  EXPECT_EQ(letters[1].last_error, "error 3");
  EXPECT_EQ(list.dropped(), 1u);
}

TEST(PoolOptions, DefaultsAreValid) {
  EXPECT_TRUE(PoolOptions{}.validate().empty());
}

TEST(PoolOptions, ReportsEveryProblemAtOnce) {
  PoolOptions options;
  options.min_threads = 0;
  options.max_threads = 5000;
  options.queue_capacity = 0;
  options.grow_at_queue_depth = 0;
  options.idle_timeout = std::chrono::nanoseconds(0);
  const auto problems = options.validate();
  EXPECT_EQ(problems.size(), 5u);
  EXPECT_THAT(problems, Contains(HasSubstr("min_threads")));
  EXPECT_THAT(problems, Contains(HasSubstr("at most 1024")));
  EXPECT_THAT(problems, Contains(HasSubstr("queue_capacity")));
  EXPECT_THAT(problems, Contains(HasSubstr("idle_timeout")));

  PoolOptions inverted;
  inverted.min_threads = 4;
  inverted.max_threads = 2;
  EXPECT_THAT(inverted.validate(),
              ElementsAre(HasSubstr("max_threads (2) must be at least min_threads (4)")));
}

TEST(Names, StatusesReadWell) {
  EXPECT_EQ(to_string(SubmitStatus::kQueueFull), "queue full");
  EXPECT_EQ(to_string(TaskOutcome::kTimedOut), "timed out");
  EXPECT_EQ(to_string(Priority::kHigh), "high");
}

}  // namespace
}  // namespace loadgen::targets
