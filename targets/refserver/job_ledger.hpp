#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "harness/core/expected.hpp"
#include "targets/pagination/database.hpp"
#include "targets/refserver/job_record.hpp"
#include "targets/refserver/schema.hpp"
#include "targets/refserver/sql.hpp"

// The queue database: one row per finished job with its timings and idempotency key. It keeps
// job history (GET /api/jobs/{id}, key replays) beyond what the registry holds in memory and
// across restarts. One connection, used under a mutex: writes are one short row per job.
namespace loadgen::refserver {

class JobLedger {
 public:
  static std::span<const Migration> migrations();
  static std::span<const TableSpec> tables();

  // Opens, migrates (unless `migrate` is false) and verifies the queue database.
  static core::Expected<std::unique_ptr<JobLedger>> open(const std::filesystem::path& path,
                                                         bool migrate);

  // Inserts or replaces the job's row. The error says why, for the log and a counter.
  core::Expected<bool> record(const JobRecord& job);
  core::Expected<std::optional<JobRecord>> find(std::int64_t id);
  core::Expected<std::optional<JobRecord>> find_by_key(const std::string& key);
  core::Expected<std::int64_t> max_id();

  explicit JobLedger(targets::Database db);

 private:
  std::optional<JobRecord> read_one(SqlStatement& stmt);

  std::mutex mutex_;
  targets::Database db_;
  SqlStatement insert_;
  SqlStatement by_id_;
  SqlStatement by_key_;
};

}  // namespace loadgen::refserver
