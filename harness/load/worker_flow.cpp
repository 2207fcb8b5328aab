// The flow half of the worker: journeys of several requests with extracted values, polls,
// walks and pauses. Each exchange is recorded under its step's name, the journey under the
// flow's, measured from the flow's intended start (no coordinated omission).
#include <fmt/format.h>

#include "harness/load/response_check.hpp"
#include "harness/load/worker.hpp"

namespace loadgen::load {
Worker::Rows Worker::take_rows(size_t flow, FlowVars& vars) {
  for (const auto& [name, value] : config_.flows[flow].vars) vars.set(name, value);
  for (size_t i = 0; i < flow_feeds_[flow].size(); ++i) {
    auto* feed = feeds_[flow_feeds_[flow][i]];
    if (!feed->next(row_)) {
      return feed->spec().at_end == scenario::FeedSpec::AtEnd::kFail ? Rows::kFailed : Rows::kStopped;
    }
    const auto& columns = feed->spec().columns;
    const auto& keep = kept_columns_[flow][i];
    for (size_t c = 0; c < columns.size() && c < row_.size(); ++c) {
      if (keep[c]) vars.set(columns[c], std::move(row_[c]));
    }
  }
  return Rows::kTaken;
}

std::optional<Worker::Next> Worker::next_pick() {
  while (!builder_.all_disabled()) {
    Next next;
    next.pick = builder_.pick();
    if (!builder_.is_flow(next.pick)) return next;
    const size_t flow = next.pick - config_.requests.size();
    switch (take_rows(flow, next.vars)) {
      case Rows::kTaken:
        return next;
      case Rows::kStopped:
        builder_.disable(next.pick);  // this flow starts no more; pick again
        continue;
      case Rows::kFailed:
        record_feed_failure(flow);
        next.feed_failed = true;
        return next;
    }
  }
  return std::nullopt;
}

void Worker::record_feed_failure(size_t flow) {
  auto& counters = metrics_.by_name[layout_.flows[flow].flow]->counters;
  // Started and failed at once: a flow instance like any other, so the accounting balances
  // (scheduled = sent + dropped + not_sent, sent = completed + errors).
  counters.scheduled();
  counters.sent();
  counters.error(http::ErrorKind::kFeedExhausted);
  std::string feed;
  for (const size_t f : flow_feeds_[flow]) {
    if (feeds_[f]->exhausted()) feed = feeds_[f]->spec().name;
  }
  if (flow_failure_seen_.size() > flow && flow_failure_seen_[flow]) return;  // said once is enough
  const auto message = fmt::format("flow {}: feed '{}' has no rows left (at_end: fail)", config_.flows[flow].name, feed);
  note_error(http::ErrorKind::kFeedExhausted, message);
  note_flow_failure(flow, message);
}

net::awaitable<void> Worker::pause_until(Clock::time_point when) {
  // stop_scheduling cancels every timer once; a flow in flight still keeps its pace.
  while (Clock::now() < when && !aborting_.load()) co_await sleep_until(when);
}

net::awaitable<void> Worker::run_flow(size_t flow, FlowVars vars, uint64_t seq, uint64_t vu,
                                      Clock::time_point intended, std::unique_ptr<http::Connection>* own) {
  const auto& slots = layout_.flows[flow];
  auto& m = *metrics_.by_name[slots.flow];
  m.counters.sent();
  const auto started = Clock::now();
  auto kind = http::ErrorKind::kNone;
  for (size_t s = 0; s < config_.flows[flow].steps.size() && kind == http::ErrorKind::kNone; ++s) {
    if (aborting_.load()) {
      kind = http::ErrorKind::kCancelled;
      break;
    }
    kind = co_await run_step(flow, s, vars, seq, vu, intended, started, own);
  }
  const auto done = Clock::now();
  // A journey that failed still took its time: recorded, as a response with a bad status is.
  if (kind != http::ErrorKind::kCancelled) {
    m.corrected.record(nanos_between(intended, done));
    m.service.record(nanos_between(started, done));
  }
  if (kind == http::ErrorKind::kNone) {
    m.counters.completed();
  } else {
    m.counters.error(kind);
  }
  metrics_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  close_idle_when_drained();
}

net::awaitable<http::Response> Worker::send_step(const http::Request& request, const scenario::RequestSpec& spec,
                                                 std::unique_ptr<http::Connection>* own, Clock::time_point& sent) {
  http::Response response;
  if (own != nullptr) {
    if (!*own) *own = new_connection();
    sent = Clock::now();
    response = co_await exchange_following(*own, request, spec, sent);
    sent = went_out(response, sent);
    if (!(*own)->reusable()) own->reset();
    co_return response;
  }
  auto conn = co_await acquire_connection();
  sent = Clock::now();
  if (!conn) {
    response.error = http::ErrorKind::kCancelled;
    co_return response;
  }
  response = co_await exchange_following(conn, request, spec, sent);
  sent = went_out(response, sent);
  release_connection(std::move(conn));
  co_return response;
}

net::awaitable<http::ErrorKind> Worker::run_step(size_t flow, size_t step_index, FlowVars& vars, uint64_t seq,
                                                 uint64_t vu, Clock::time_point flow_intended,
                                                 Clock::time_point flow_started, std::unique_ptr<http::Connection>* own) {
  const auto& spec = config_.flows[flow].steps[step_index];
  const auto& slots = layout_.flows[flow];
  const size_t name = slots.steps[step_index];
  auto& counters = metrics_.by_name[name]->counters;
  // The first step of a flow is due when the flow is; later ones when the previous ended.
  auto intended = step_index == 0 ? flow_intended : Clock::now();
  const auto step_start = intended;
  const auto deadline = spec.until ? step_start + spec.until->timeout : Clock::time_point::max();
  auto kind = http::ErrorKind::kNone;
  for (int iteration = 0;; ++iteration) {
    const auto request = builder_.build_step(spec.request, seq, vu, vars);
    counters.scheduled();
    counters.sent();
    Clock::time_point sent;
    auto response = co_await send_step(request, spec.request, own, sent);
    const auto done = Clock::now();
    if (step_index == 0 && iteration == 0 && own == nullptr) {
      metrics_.send_lag.record(std::max<int64_t>(0, nanos_between(intended, sent)));
    }
    kind = response.error;
    std::string why;
    bool again = false;
    LazyJson json(response.body);
    if (kind == http::ErrorKind::kNone && spec.until && !until_met(*spec.until, response, json)) {
      // Not there yet. A status the check rejects ends the step, unless until: awaits a
      // status (then any other status is the expected "not yet").
      const auto checked = check_response(spec.request.check, response);
      if (spec.until->statuses.empty() && checked != http::ErrorKind::kNone) {
        kind = checked;
      } else if (done + spec.until->poll >= deadline) {
        kind = http::ErrorKind::kUntilTimeout;
        why = fmt::format("until: still unmet after {} ms (last HTTP {})", nanos_between(step_start, done) / 1000000,
                          response.status);
      } else {
        again = true;
      }
    } else if (kind == http::ErrorKind::kNone) {
      kind = check_response(spec.request.check, response);
      if (kind == http::ErrorKind::kNone &&
          !extract_values(extracts_[flow][step_index], response, json, spec.repeat_while, vars, why)) {
        kind = http::ErrorKind::kExtractMissing;
      }
    }
    if (kind != http::ErrorKind::kNone) {
      // Said before record_kind's plainer "HTTP 200", so that the report keeps this one.
      if (why.empty()) why = response.error_detail.empty() ? "HTTP " + std::to_string(response.status) : response.error_detail;
      const auto message = fmt::format("flow {} step {}: {}", config_.flows[flow].name, spec.request.name, why);
      note_error(kind, message);
      note_flow_failure(flow, message);
    }
    record_kind(name, kind, response, intended, sent, done);
    if (kind != http::ErrorKind::kNone) break;
    if (again) {
      intended = done + spec.until->poll;
      co_await pause_until(intended);
      if (aborting_.load()) co_return http::ErrorKind::kCancelled;
      continue;
    }
    if (!spec.repeat_while.empty() && vars.present(spec.repeat_while) && iteration + 1 < spec.max_repeats) {
      intended = Clock::now();  // the next page is due as soon as this one is in
      if (aborting_.load()) co_return http::ErrorKind::kCancelled;
      continue;
    }
    break;
  }
  if (const auto since = slots.since_start[step_index]) {
    // "Time until this step succeeded", from the journey's intended start; a step that gave up
    // still counts, as an error, with the time it took to give up.
    auto& m = *metrics_.by_name[*since];
    const auto now = Clock::now();
    if (http::has_latency(kind)) {
      m.corrected.record(nanos_between(flow_intended, now));
      m.service.record(nanos_between(flow_started, now));
    }
    m.counters.scheduled();
    m.counters.sent();
    if (kind == http::ErrorKind::kNone) {
      m.counters.completed();
    } else {
      m.counters.error(kind);
    }
  }
  if (kind == http::ErrorKind::kNone && spec.think.kind != scenario::Think::Kind::kNone) {
    co_await pause_until(Clock::now() + draw_think(spec.think, builder_.rng()));
  }
  co_return kind;
}

void Worker::note_flow_failure(size_t flow, const std::string& message) {
  if (flow_failure_seen_.size() <= flow) flow_failure_seen_.resize(config_.flows.size());
  if (flow_failure_seen_[flow]) return;
  flow_failure_seen_[flow] = true;
  std::lock_guard lock(errors_mutex_);
  first_flow_failures_.emplace(flow, message);
}

}  // namespace loadgen::load
