#include <fmt/format.h>

#include "targets/refserver/handlers.hpp"
#include "targets/refserver/job_work.hpp"
#include "targets/refserver/json_body.hpp"
#include "targets/refserver/text.hpp"

namespace loadgen::refserver {
namespace {

constexpr std::size_t kMaxKeyBytes = 255;

struct ParsedJob {
  JobSpec spec;
  // The body's canonical form (keys sorted, no spaces), so a retry that only reorders fields
  // or changes whitespace still counts as the same request.
  std::string fingerprint;
};

core::Expected<ParsedJob> parse_job(const Request& request) {
  using Result = core::Expected<ParsedJob>;
  auto body = parse_json_object(request.body);
  if (!body)
    return Result::failure(body.error());
  const auto kind = body->find("kind");
  if (kind == body->end() || !kind->is_string()) {
    return Result::failure("field 'kind' must be a string");
  }
  std::optional<std::int64_t> work_ms;
  if (const auto work = body->find("work_ms"); work != body->end() && !work->is_null()) {
    if (!work->is_number_integer())
      return Result::failure("field 'work_ms' must be an integer");
    work_ms = work->get<std::int64_t>();
  }
  auto spec = make_job_spec(kind->get<std::string>(), work_ms);
  if (!spec)
    return Result::failure(spec.error());
  return ParsedJob{std::move(spec).value(), body->dump()};
}

Response accepted_job(const JobRecord& job, bool replayed) {
  // A replay answers exactly as the first request was answered.
  auto response = json_response(202, {{"id", job.id}, {"status", "queued"}});
  response.headers.emplace_back("Location", fmt::format("/api/jobs/{}", job.id));
  if (replayed)
    response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

}  // namespace

Response handle_create_job(const Request& request, JobsService& jobs) {
  const std::string key(trim(request.header("idempotency-key").value_or("")));
  if (key.size() > kMaxKeyBytes) {
    return error_response(400,
                          fmt::format("Idempotency-Key must be at most {} bytes", kMaxKeyBytes));
  }
  auto parsed = parse_job(request);
  if (!parsed)
    return error_response(400, parsed.error());
  auto submitted = jobs.submit(parsed->spec, key, parsed->fingerprint);
  using Outcome = JobsService::Outcome;
  switch (submitted.outcome) {
    case Outcome::kAccepted:
      return accepted_job(submitted.job, false);
    case Outcome::kReplay:
      return accepted_job(submitted.job, true);
    case Outcome::kConflict:
      return json_response(409, {{"error", "Idempotency-Key was already used with another body"},
                                 {"id", submitted.job.id}});
    case Outcome::kInProgress:
      return error_response(409, "a request with this Idempotency-Key is still being admitted");
    case Outcome::kRejected:
      return unavailable(fmt::format("job queue cannot take more ({})", submitted.message));
    case Outcome::kNotReady:
      return unavailable(submitted.message);
    case Outcome::kError:
      return error_response(500, submitted.message);
  }
  return error_response(500, "unexpected job outcome");
}

Response handle_get_job(std::string_view id, JobsService& jobs) {
  const auto number = parse_int(id);
  if (!number || *number <= 0)
    return error_response(404, fmt::format("no job {}", id));
  auto job = jobs.find(*number);
  if (!job)
    return error_response(500, job.error());
  if (!job->has_value())
    return error_response(404, fmt::format("no job {}", *number));
  return json_response(200, job_to_json(**job));
}

}  // namespace loadgen::refserver
