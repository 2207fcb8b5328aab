#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "targets/refserver/job_registry.hpp"
#include "targets/refserver/job_work.hpp"
#include "targets/refserver/jobs_service.hpp"
#include "tests/targets/refserver/temp_dir.hpp"

namespace loadgen::refserver {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

TEST(RefserverJobWork, SpecsGetDefaultsAndBounds) {
  EXPECT_EQ(make_job_spec("resize", std::nullopt).value().work_ms, 5);
  EXPECT_EQ(make_job_spec("sleep", 30).value().work_ms, 30);
  EXPECT_EQ(make_job_spec("fail", std::nullopt).value().kind, "fail");
  EXPECT_NE(make_job_spec("paint", std::nullopt).error().find("unknown job kind 'paint'"),
            std::string::npos);
  EXPECT_FALSE(make_job_spec("sleep", -1));
  EXPECT_FALSE(make_job_spec("sleep", kMaxWorkMs + 1));
}

TEST(RefserverJobRegistry, IdempotencyKeyReplaysConflictsAndWaits) {
  JobRegistry registry(10);
  auto first = registry.admit({"resize", 5}, "k", "body-a");
  ASSERT_EQ(first.outcome, JobRegistry::Outcome::kCreated);
  EXPECT_EQ(registry.admit({"resize", 5}, "k", "body-a").outcome,
            JobRegistry::Outcome::kInProgress);
  registry.confirm(first.job.id);
  auto replay = registry.admit({"resize", 5}, "k", "body-a");
  EXPECT_EQ(replay.outcome, JobRegistry::Outcome::kReplay);
  EXPECT_EQ(replay.job.id, first.job.id);
  EXPECT_EQ(registry.admit({"sleep", 5}, "k", "body-b").outcome, JobRegistry::Outcome::kConflict);
  auto other = registry.admit({"resize", 5}, "", "body-a");
  EXPECT_EQ(other.outcome, JobRegistry::Outcome::kCreated);
  EXPECT_NE(other.job.id, first.job.id);
}

TEST(RefserverJobRegistry, WithdrawnJobFreesItsKey) {
  JobRegistry registry(10);
  auto first = registry.admit({"resize", 5}, "k", "a");
  registry.withdraw(first.job.id);
  EXPECT_FALSE(registry.find(first.job.id));
  EXPECT_EQ(registry.admit({"resize", 5}, "k", "a").outcome, JobRegistry::Outcome::kCreated);
}

TEST(RefserverJobRegistry, LifecycleAndEvictionOfOldFinishedJobs) {
  JobRegistry registry(1);
  registry.set_next_id(100);
  auto a = registry.admit({"resize", 5}, "ka", "a").job;
  auto b = registry.admit({"resize", 5}, "", "b").job;
  EXPECT_EQ(a.id, 100);
  EXPECT_EQ(registry.active(), 2U);
  registry.mark_running(a.id);
  EXPECT_EQ(registry.find(a.id)->status, JobStatus::kRunning);
  EXPECT_TRUE(registry.find(a.id)->queue_wait_ms.has_value());
  auto done = registry.mark_finished(a.id, {true, "", 1.0, 2.0});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, JobStatus::kDone);
  EXPECT_EQ(done->run_ms, 2.0);
  EXPECT_FALSE(registry.mark_finished(a.id, {true, "", 1.0, 2.0}));  // only once
  registry.retire(a.id);
  registry.mark_finished(b.id, {false, "boom", 0.5, 0.0});
  registry.retire(b.id);  // retains one finished job: a goes, with its key
  EXPECT_FALSE(registry.find(a.id));
  EXPECT_FALSE(registry.find_by_key("ka"));
  EXPECT_EQ(registry.find(b.id)->status, JobStatus::kFailed);
  EXPECT_EQ(registry.active(), 0U);
}

class RefserverJobsServiceTest : public ::testing::Test {
 protected:
  JobRecord wait_until_finished(JobsService& jobs, std::int64_t id) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto job = jobs.find(id).value();
      if (job && (job->status == JobStatus::kDone || job->status == JobStatus::kFailed)) {
        return *job;
      }
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "job " << id << " did not finish in time";
    return {};
  }

  TempDir dir_;
};

TEST_F(RefserverJobsServiceTest, NotReadyUntilTheLedgerIsAttached) {
  JobsService jobs({1, 10, 100});
  EXPECT_EQ(jobs.submit({"resize", 1}, "", "x").outcome, JobsService::Outcome::kNotReady);
  jobs.attach_ledger(JobLedger::open(dir_ / "q.sqlite3", true).value());
  EXPECT_EQ(jobs.submit({"resize", 1}, "", "x").outcome, JobsService::Outcome::kAccepted);
}

TEST_F(RefserverJobsServiceTest, RunsJobsAndRecordsTheirOutcome) {
  JobsService jobs({2, 10, 100});
  jobs.attach_ledger(JobLedger::open(dir_ / "q.sqlite3", true).value());
  auto ok = jobs.submit({"resize", 2}, "", "a");
  auto bad = jobs.submit({"fail", 0}, "", "b");
  ASSERT_EQ(ok.outcome, JobsService::Outcome::kAccepted);
  auto done = wait_until_finished(jobs, ok.job.id);
  EXPECT_EQ(done.status, JobStatus::kDone);
  EXPECT_TRUE(done.started_at && done.finished_at && done.run_ms && done.queue_wait_ms);
  auto failed = wait_until_finished(jobs, bad.job.id);
  EXPECT_EQ(failed.status, JobStatus::kFailed);
  EXPECT_NE(failed.error.find("always fail"), std::string::npos);
}

TEST_F(RefserverJobsServiceTest, FullQueueRejectsAndDrainFinishesQueuedJobs) {
  JobsService jobs({1, 1, 100});
  jobs.attach_ledger(JobLedger::open(dir_ / "q.sqlite3", true).value());
  // One running and one queued fill the pool; the deadline keeps the test bounded.
  std::vector<std::int64_t> accepted;
  int rejected = 0;
  for (int i = 0; i < 4; ++i) {
    auto s = jobs.submit({"sleep", 500}, "", std::to_string(i));
    if (s.outcome == JobsService::Outcome::kAccepted)
      accepted.push_back(s.job.id);
    if (s.outcome == JobsService::Outcome::kRejected)
      ++rejected;
  }
  EXPECT_GE(rejected, 1);
  jobs.drain();
  for (auto id : accepted)
    EXPECT_EQ(jobs.find(id).value()->status, JobStatus::kDone);
}

TEST_F(RefserverJobsServiceTest, HistoryAndKeysSurviveARestartThroughTheLedger) {
  std::int64_t id = 0;
  {
    JobsService jobs({1, 10, 100});
    jobs.attach_ledger(JobLedger::open(dir_ / "q.sqlite3", true).value());
    id = jobs.submit({"resize", 1}, "key-1", "body").job.id;
    jobs.drain();
  }
  JobsService jobs({1, 10, 100});
  jobs.attach_ledger(JobLedger::open(dir_ / "q.sqlite3", true).value());
  EXPECT_EQ(jobs.find(id).value()->status, JobStatus::kDone);
  auto replay = jobs.submit({"resize", 1}, "key-1", "body");
  EXPECT_EQ(replay.outcome, JobsService::Outcome::kReplay);
  EXPECT_EQ(replay.job.id, id);
  EXPECT_EQ(jobs.submit({"resize", 1}, "key-1", "other").outcome, JobsService::Outcome::kConflict);
  EXPECT_GT(jobs.submit({"resize", 1}, "", "new").job.id, id);  // ids continue
}

}  // namespace
}  // namespace loadgen::refserver
