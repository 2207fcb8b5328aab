// Single-threaded pieces of the pool: the priority queue, its ring buffers, the dead-letter
// list and the options' validation.
#include "targets/worker_pool/task_queue.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "targets/worker_pool/dead_letter.hpp"
#include "targets/worker_pool/pool_options.hpp"
#include "targets/worker_pool/ring_queue.hpp"
#include "targets/worker_pool/task_box.hpp"

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

TEST(TaskQueue, ABatchComesFromTheTopPriorityOnlyAndUpToTheLimit) {
  detail::TaskQueue queue;
  for (TaskId id = 1; id <= 4; ++id) {
    queue.push(task(id, Priority::kNormal));
  }
  queue.push(task(5, Priority::kHigh));
  std::array<std::optional<detail::QueuedTask>, 8> out;
  ASSERT_EQ(queue.pop_batch(out.data(), 8), 1u);  // the one high task, not the normal ones
  EXPECT_EQ(out[0]->id, 5u);
  ASSERT_EQ(queue.pop_batch(out.data(), 3), 3u);
  EXPECT_EQ(out[0]->id, 1u);
  EXPECT_EQ(out[2]->id, 3u);
  EXPECT_EQ(queue.size(), 1u);
}

TEST(TaskQueue, TasksGivenBackAreNextAgainInTheirOrder) {
  detail::TaskQueue queue;
  queue.push(task(4, Priority::kNormal));
  queue.push_front(task(3, Priority::kNormal));
  queue.push_front(task(2, Priority::kNormal));
  queue.push(task(9, Priority::kHigh));
  EXPECT_THAT(drain_ids(queue), ElementsAre(9, 2, 3, 4));
}

TEST(RingQueue, PushFrontKeepsOrderAcrossWrapsAndGrowth) {
  detail::RingQueue<int> ring;
  std::vector<int> expected;
  for (int i = 0; i < 40; ++i) {  // past two growths, the head wrapping backwards each time
    if (i % 3 == 0) {
      ring.push(int{i});
      expected.push_back(i);
    } else {
      ring.push_front(int{i});
      expected.insert(expected.begin(), i);
    }
  }
  std::vector<int> popped;
  while (!ring.empty()) {
    popped.push_back(ring.pop());
  }
  EXPECT_EQ(popped, expected);
}

TEST(RingQueue, DestroysWhatItStillHolds) {
  auto value = std::make_shared<int>(7);
  {
    detail::RingQueue<std::shared_ptr<int>> ring;
    for (int i = 0; i < 20; ++i) {
      ring.push(std::shared_ptr<int>(value));
    }
    EXPECT_EQ(value.use_count(), 21);
  }
  EXPECT_EQ(value.use_count(), 1);
}

// Runs `box` with a throwaway context.
void run(detail::TaskBox& box) {
  std::stop_source source;
  const std::stop_token token = source.get_token();
  TaskContext ctx(1, "", 1, TaskContext::Clock::time_point::max(), token);
  box(ctx);
}

TEST(TaskBox, SmallCallablesRunAfterMovesAndReleaseTheirCapturesOnce) {
  auto shared = std::make_shared<int>(0);
  detail::TaskBox box([shared](TaskContext&) { ++*shared; });  // inline, not trivially copyable
  EXPECT_EQ(shared.use_count(), 2);
  detail::TaskBox moved(std::move(box));
  EXPECT_FALSE(box);
  detail::TaskBox assigned;
  assigned = std::move(moved);
  EXPECT_EQ(shared.use_count(), 2);  // moved, never copied
  run(assigned);
  EXPECT_EQ(*shared, 1);
  assigned.reset();
  EXPECT_EQ(shared.use_count(), 1);
}

TEST(TaskBox, LargeCallablesGoToTheHeapAndStillWork) {
  std::array<int64_t, 8> numbers{1, 2, 3, 4, 5, 6, 7, 8};
  auto shared = std::make_shared<int64_t>(0);
  detail::TaskBox box([numbers, shared](TaskContext&) {
    for (int64_t n : numbers) {
      *shared += n;
    }
  });
  detail::TaskBox moved(std::move(box));
  run(moved);
  EXPECT_EQ(*shared, 36);
  moved = detail::TaskBox();
  EXPECT_EQ(shared.use_count(), 1);
}

TEST(TaskBox, EmptyFunctionsMakeEmptyBoxes) {
  EXPECT_FALSE(detail::TaskBox(std::function<void(TaskContext&)>()));
  void (*none)(TaskContext&) = nullptr;
  EXPECT_FALSE(detail::TaskBox(none));
  EXPECT_TRUE(detail::TaskBox(std::function<void(TaskContext&)>([](TaskContext&) {})));
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
