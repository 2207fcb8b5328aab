#include "targets/refserver/job_ledger.hpp"

#include <array>

#include <fmt/format.h>

#include "targets/refserver/store_open.hpp"

namespace loadgen::refserver {
namespace {

constexpr std::array kMigrations{
    Migration{1, R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL,
  work_ms         INTEGER NOT NULL,
  status          TEXT    NOT NULL,
  error           TEXT    NOT NULL DEFAULT '',
  idempotency_key TEXT,
  fingerprint     TEXT    NOT NULL DEFAULT '',
  queued_at_ms    INTEGER NOT NULL,
  started_at_ms   INTEGER,
  finished_at_ms  INTEGER,
  queue_wait_ms   REAL,
  run_ms          REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency_key ON jobs (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
)sql"},
};

constexpr const char* kColumns =
    "id, kind, work_ms, status, error, idempotency_key, fingerprint, queued_at_ms, "
    "started_at_ms, finished_at_ms, queue_wait_ms, run_ms";

template <typename T>
core::Expected<T> sql_failure(const SqlError& e) {
  return core::Expected<T>::failure(std::string("queue database: ") + e.what());
}

void bind_optional_time(SqlStatement& stmt, int index, const std::optional<SysTime>& time) {
  if (time) {
    stmt.bind(index, to_unix_ms(*time));
  } else {
    stmt.bind_null(index);
  }
}

void bind_optional_real(SqlStatement& stmt, int index, const std::optional<double>& value) {
  if (value) {
    stmt.bind(index, *value);
  } else {
    stmt.bind_null(index);
  }
}

}  // namespace

std::span<const Migration> JobLedger::migrations() {
  return kMigrations;
}

std::span<const TableSpec> JobLedger::tables() {
  static const std::array kTables{
      TableSpec{"jobs",
                {"id", "kind", "work_ms", "status", "error", "idempotency_key", "fingerprint",
                 "queued_at_ms", "started_at_ms", "finished_at_ms", "queue_wait_ms", "run_ms"}}};
  return kTables;
}

core::Expected<std::unique_ptr<JobLedger>> JobLedger::open(const std::filesystem::path& path,
                                                           bool migrate) {
  auto db = open_store({"queue", path, migrations(), tables()}, migrate);
  if (!db)
    return core::Expected<std::unique_ptr<JobLedger>>::failure(db.error());
  try {
    return std::make_unique<JobLedger>(std::move(db).value());
  } catch (const SqlError& e) {
    return sql_failure<std::unique_ptr<JobLedger>>(e);
  }
}

JobLedger::JobLedger(targets::Database db)
    : db_(std::move(db)),
      insert_(db_.handle(), fmt::format("INSERT OR REPLACE INTO jobs ({}) VALUES "
                                        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                        kColumns)),
      by_id_(db_.handle(), fmt::format("SELECT {} FROM jobs WHERE id = ?1", kColumns)),
      by_key_(db_.handle(),
              fmt::format("SELECT {} FROM jobs WHERE idempotency_key = ?1", kColumns)) {}

core::Expected<bool> JobLedger::record(const JobRecord& job) {
  std::lock_guard lock(mutex_);
  try {
    insert_.bind(1, job.id).bind(2, job.spec.kind).bind(3, job.spec.work_ms);
    insert_.bind(4, to_string(job.status)).bind(5, job.error);
    if (job.idempotency_key.empty()) {
      insert_.bind_null(6);
    } else {
      insert_.bind(6, job.idempotency_key);
    }
    insert_.bind(7, job.fingerprint).bind(8, to_unix_ms(job.queued_at));
    bind_optional_time(insert_, 9, job.started_at);
    bind_optional_time(insert_, 10, job.finished_at);
    bind_optional_real(insert_, 11, job.queue_wait_ms);
    bind_optional_real(insert_, 12, job.run_ms);
    insert_.run();
    return true;
  } catch (const SqlError& e) {
    insert_.reset();
    return sql_failure<bool>(e);
  }
}

std::optional<JobRecord> JobLedger::read_one(SqlStatement& stmt) {
  if (!stmt.step())
    return std::nullopt;
  JobRecord job;
  job.id = stmt.int64(0);
  job.spec = {stmt.text(1), stmt.int64(2)};
  job.status = job_status_from(stmt.text(3)).value_or(JobStatus::kFailed);
  job.error = stmt.text(4);
  job.idempotency_key = stmt.text(5);
  job.fingerprint = stmt.text(6);
  job.queued_at = from_unix_ms(stmt.int64(7));
  if (!stmt.is_null(8))
    job.started_at = from_unix_ms(stmt.int64(8));
  if (!stmt.is_null(9))
    job.finished_at = from_unix_ms(stmt.int64(9));
  if (!stmt.is_null(10))
    job.queue_wait_ms = stmt.real(10);
  if (!stmt.is_null(11))
    job.run_ms = stmt.real(11);
  stmt.reset();
  return job;
}

core::Expected<std::optional<JobRecord>> JobLedger::find(std::int64_t id) {
  std::lock_guard lock(mutex_);
  try {
    by_id_.bind(1, id);
    return read_one(by_id_);
  } catch (const SqlError& e) {
    by_id_.reset();
    return sql_failure<std::optional<JobRecord>>(e);
  }
}

core::Expected<std::optional<JobRecord>> JobLedger::find_by_key(const std::string& key) {
  std::lock_guard lock(mutex_);
  try {
    by_key_.bind(1, key);
    return read_one(by_key_);
  } catch (const SqlError& e) {
    by_key_.reset();
    return sql_failure<std::optional<JobRecord>>(e);
  }
}

core::Expected<std::int64_t> JobLedger::max_id() {
  std::lock_guard lock(mutex_);
  try {
    return query_int(db_.handle(), "SELECT coalesce(max(id), 0) FROM jobs");
  } catch (const SqlError& e) {
    return sql_failure<std::int64_t>(e);
  }
}

}  // namespace loadgen::refserver
