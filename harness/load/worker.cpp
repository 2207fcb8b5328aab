#include "harness/load/worker.hpp"

#include <algorithm>
#include <cmath>

#include "harness/load/redirect.hpp"
#include "harness/load/response_check.hpp"

namespace loadgen::load {
namespace {

std::vector<double> flow_weights(const std::vector<scenario::FlowSpec>& flows) {
  std::vector<double> weights;
  for (const auto& f : flows) weights.push_back(f.weight);
  return weights;
}

}  // namespace

Worker::Worker(const EngineConfig& config, const MetricLayout& layout, std::vector<Feed*> feeds, int index,
               net::ip::tcp::endpoint endpoint, net::ssl::context* tls_context)
    : config_(config),
      layout_(layout),
      feeds_(std::move(feeds)),
      index_(index),
      endpoint_(endpoint),
      tls_context_(tls_context),
      builder_(config.requests, config.endpoint, 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(index + 1),
               flow_weights(config.flows)),
      metrics_(layout.names.size(), metrics::Histogram::for_latency_ns()),
      // Each thread takes an equal share of the in-flight budget (at least one).
      max_in_flight_(std::max(1, (config.max_in_flight + index) / config.threads)),
      max_connections_(config.connections > 0 ? std::max(1, (config.connections + index) / config.threads)
                                              : max_in_flight_) {
  for (const auto& flow : config_.flows) {
    std::vector<size_t> used;
    for (const auto& name : flow.feeds) {
      for (size_t i = 0; i < feeds_.size(); ++i) {
        if (feeds_[i]->spec().name == name) used.push_back(i);
      }
    }
    // Only the columns a step sends are kept per flow instance: a wide row (a 1 MB blob
    // nobody uses) then costs nothing while the flow runs.
    std::vector<std::string> sent_names;
    for (const auto& step : flow.steps) {
      auto add = [&](const scenario::Template& t) {
        for (auto& v : t.variables()) sent_names.push_back(std::move(v));
      };
      add(step.request.path);
      for (const auto& h : step.request.headers) add(h.value);
      if (step.request.body) add(*step.request.body);
    }
    std::vector<std::vector<bool>> keep;
    for (const size_t f : used) {
      std::vector<bool> columns;
      for (const auto& c : feeds_[f]->spec().columns) {
        columns.push_back(std::find(sent_names.begin(), sent_names.end(), c) != sent_names.end());
      }
      keep.push_back(std::move(columns));
    }
    flow_feeds_.push_back(std::move(used));
    kept_columns_.push_back(std::move(keep));
    std::vector<std::vector<CompiledExtract>> steps;
    for (const auto& step : flow.steps) {
      steps.push_back(compile_extracts(step.extract));
      for (const auto& e : step.extract) keep_headers_ = keep_headers_ || e.from == scenario::Extract::From::kHeader;
    }
    extracts_.push_back(std::move(steps));
  }
  if (config_.endpoint.http_version == 2) {
    // Without load.connections, one connection for each 100 requests in flight (the streams
    // most servers allow at once), or for each max_streams.
    const int streams = config_.endpoint.max_streams > 0 ? std::min(config_.endpoint.max_streams, 100) : 100;
    const int connections = config_.connections > 0 ? max_connections_ : (max_in_flight_ + streams - 1) / streams;
    h2_ = std::make_unique<http::H2Pool>(ioc_.get_executor(), endpoint_, config_.endpoint, tls_context_,
                                         connection_options(), connections);
  }
}

void Worker::run(Clock::time_point start) {
  start_ = start;
  auto body = config_.closed_model ? run_closed_model() : run_open_model();
  net::co_spawn(ioc_, std::move(body), net::detached);
  ioc_.run();
  idle_.clear();
  finished_.store(true);
}

void Worker::stop_scheduling() {
  stopping_.store(true);
  net::post(ioc_, [this] {
    for (auto* t : waiting_) t->cancel();
  });
}

void Worker::abort() {
  stopping_.store(true);
  aborting_.store(true);
  net::post(ioc_, [this] {
    for (auto* t : waiting_) t->cancel();
    for (auto* w : connection_waiters_) w->wake.cancel();
    for (auto* c : busy_) c->close();
    open_connections_ -= static_cast<int>(idle_.size());
    idle_.clear();
    if (h2_) h2_->close_all();
  });
}

net::awaitable<void> Worker::sleep_until(Clock::time_point when) {
  Timer timer(ioc_, when);
  waiting_.insert(&timer);
  boost::system::error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  waiting_.erase(&timer);
}

net::awaitable<void> Worker::run_open_model() {
  const auto threads = static_cast<uint64_t>(config_.threads);
  const auto shards = static_cast<uint64_t>(config_.shard_count);
  const uint64_t count = config_.plan.request_count();
  bool feeds_ran_out = false;
  // This shard takes requests S, S + N, S + 2N ... of the global schedule, and this worker
  // every T-th of those, from its index: together exactly the one plan.
  for (uint64_t j = 0; !stopping(); ++j) {
    const uint64_t seq = (j * threads + static_cast<uint64_t>(index_)) * shards + static_cast<uint64_t>(config_.shard_index);
    if (seq >= count) break;
    const auto offset = config_.plan.time_of(static_cast<double>(seq));
    if (!offset) break;
    const auto intended = start_ + *offset;
    if (intended > Clock::now()) {
      co_await sleep_until(intended);
      if (stopping()) break;
    }
    auto next = next_pick();
    if (!next) {  // every flow's feed ran out (at_end: stop): nothing left to run
      feeds_ran_out = true;
      break;
    }
    const bool flow = builder_.is_flow(next->pick);
    const size_t name = flow ? layout_.flows[next->pick - config_.requests.size()].flow : next->pick;
    if (next->feed_failed) continue;  // counted as a failed flow already
    auto& counters = metrics_.by_name[name]->counters;
    counters.scheduled();
    // Never queue silently: a due request with no room is dropped, and counted.
    if (metrics_.in_flight.load(std::memory_order_relaxed) >= max_in_flight_) {
      counters.dropped();
      continue;
    }
    metrics_.in_flight.fetch_add(1, std::memory_order_relaxed);
    if (flow) {
      net::co_spawn(ioc_, run_flow(next->pick - config_.requests.size(), std::move(next->vars), seq, 0, intended, nullptr),
                    net::detached);
    } else {
      net::co_spawn(ioc_, send_one(name, seq, intended), net::detached);
    }
  }
  // The plan lasts its time even when its last requests are due early (a stage at rate 0, a
  // ramp down to 0): the run ends with the plan, not with the last request.
  const auto plan_end = start_ + config_.plan.duration();
  if (!feeds_ran_out && !stopping() && Clock::now() < plan_end) co_await sleep_until(plan_end);
  schedule_done_ = true;
  close_idle_when_drained();
}

void Worker::close_idle_when_drained() {
  // Idle keep-alive connections hold timers on the event loop: once nothing more will be sent,
  // close them, so that the loop (and the run) ends as soon as the last response is in.
  if (schedule_done_ && metrics_.in_flight.load(std::memory_order_relaxed) == 0) {
    open_connections_ -= static_cast<int>(idle_.size());
    idle_.clear();
    if (h2_) h2_->drain();
  }
}

net::awaitable<void> Worker::send_one(size_t name, uint64_t seq, Clock::time_point intended) {
  const auto request = builder_.build(name, seq, 0);
  auto conn = co_await acquire_connection();
  if (!conn) {
    // Still waiting for a connection when the run was aborted: never written, so never sent.
    metrics_.by_name[name]->counters.not_sent();
  } else {
    // Time spent waiting for a connection (or an HTTP/2 stream) is send lag, and part of the
    // corrected latency.
    const auto sent = Clock::now();
    metrics_.by_name[name]->counters.sent();
    const auto response = co_await exchange_following(conn, request, config_.requests[name], sent);
    const auto out = went_out(response, sent);
    metrics_.send_lag.record(std::max<int64_t>(0, nanos_between(intended, out)));
    record(name, response, intended, out, Clock::now());
    release_connection(std::move(conn));
  }
  metrics_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  close_idle_when_drained();
}

Clock::time_point Worker::went_out(const http::Response& response, Clock::time_point sent) {
  // After redirects the stream was the last hop's: the chain began when it was sent.
  if (response.stream_opened == Clock::time_point{} || response.redirects > 0) return sent;
  return std::max(sent, response.stream_opened);
}

net::awaitable<std::unique_ptr<http::Connection>> Worker::acquire_connection() {
  // HTTP/2: a lease on the pool's connections; a request waits for a stream, not for a lease.
  if (h2_) co_return h2_->lease();
  if (connection_waiters_.empty()) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      co_return conn;
    }
    if (open_connections_ < max_connections_) {
      ++open_connections_;
      co_return new_connection();
    }
  }
  if (aborting_.load()) co_return nullptr;
  ConnectionWaiter waiter(ioc_);
  connection_waiters_.push_back(&waiter);
  boost::system::error_code ec;
  co_await waiter.wake.async_wait(net::redirect_error(net::use_awaitable, ec));
  std::erase(connection_waiters_, &waiter);
  if (waiter.handed) co_return std::move(waiter.handed);
  if (waiter.may_open && !aborting_.load()) co_return new_connection();  // the slot was counted by release
  if (waiter.may_open) --open_connections_;
  co_return nullptr;  // woken by abort
}

void Worker::release_connection(std::unique_ptr<http::Connection> conn) {
  if (h2_) return;  // the lease ends; its connection stays in the pool
  const bool keep = conn->reusable() && !aborting_.load();
  if (!connection_waiters_.empty()) {
    // Hand over directly, so that a request arriving now cannot overtake one already waiting.
    auto* waiter = connection_waiters_.front();
    connection_waiters_.pop_front();
    if (keep) {
      waiter->handed = std::move(conn);
    } else {
      waiter->may_open = true;  // the closed connection's slot passes on
    }
    waiter->wake.cancel();
    return;
  }
  if (keep) {
    idle_.push_back(std::move(conn));
  } else {
    --open_connections_;
  }
}

net::awaitable<http::Response> Worker::exchange(std::unique_ptr<http::Connection>& conn,
                                                const http::Request& request) {
  conn->owner_slot = busy_.size();
  busy_.push_back(conn.get());
  http::Response response;
  try {
    response = co_await conn->exchange(request);
  } catch (const std::exception& e) {
    // The client reports failures as values; this is a last line of defence.
    response.error = http::ErrorKind::kProtocol;
    response.error_detail = e.what();
  }
  busy_.back()->owner_slot = conn->owner_slot;  // the last takes this one's place
  busy_[conn->owner_slot] = busy_.back();
  busy_.pop_back();
  if (aborting_.load() && response.error != http::ErrorKind::kNone) response.error = http::ErrorKind::kCancelled;
  co_return response;
}

net::awaitable<http::Response> Worker::exchange_following(std::unique_ptr<http::Connection>& conn,
                                                          const http::Request& request,
                                                          const scenario::RequestSpec& spec,
                                                          Clock::time_point sent) {
  auto response = co_await exchange(conn, request);
  const int max_redirects = spec.max_redirects.value_or(config_.max_redirects);
  if (max_redirects == 0 || response.error != http::ErrorKind::kNone || !is_followed_redirect(response.status)) {
    co_return response;
  }
  // A redirect: rare, so the allocations from here on do not matter.
  const auto deadline = sent + request.timeout;
  auto hop = builder_.unprepared(request, spec);
  RedirectChain chain(config_.endpoint, max_redirects, hop.method, hop.target);
  uint64_t bytes = response.bytes_received;
  bool resent = response.resent;
  for (;;) {
    const auto step = chain.next(response.status, location_of(response));
    if (!step.follow) {
      if (step.error != http::ErrorKind::kNone) {
        response.error = step.error;
        response.error_detail = step.detail;
      }
      break;
    }
    if (aborting_.load()) {
      response.error = http::ErrorKind::kCancelled;
      response.error_detail = "interrupted between redirects";
      break;
    }
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
      response.error = http::ErrorKind::kTimeout;
      response.error_detail = "no complete response within the request timeout (redirects included)";
      break;
    }
    hop = next_hop(hop, step);
    hop.timeout = std::chrono::duration_cast<Nanos>(left);
    if (!conn->reusable()) conn = new_connection();  // takes the closed one's place
    response = co_await exchange(conn, hop);
    bytes += response.bytes_received;
    resent = resent || response.resent;
    if (response.error != http::ErrorKind::kNone) break;
  }
  response.bytes_received = bytes;
  response.resent = resent;
  response.redirects = chain.hops();
  co_return response;
}

http::ConnectionOptions Worker::connection_options() {
  http::ConnectionOptions options;
  options.body_limit = config_.body_limit;
  options.keep_headers = keep_headers_;
  options.opened = metrics_.opened_by_protocol.data();
  return options;
}

std::unique_ptr<http::Connection> Worker::new_connection() {
  if (h2_) return h2_->lease();
  return http::make_connection(ioc_.get_executor(), endpoint_, config_.endpoint, tls_context_, connection_options());
}

void Worker::record(size_t name, const http::Response& response, Clock::time_point intended,
                    Clock::time_point sent, Clock::time_point done) {
  auto kind = response.error;
  if (kind == http::ErrorKind::kNone) kind = check_response(config_.requests[name].check, response);
  record_kind(name, kind, response, intended, sent, done);
}

void Worker::record_kind(size_t name, http::ErrorKind kind, const http::Response& response,
                         Clock::time_point intended, Clock::time_point sent, Clock::time_point done) {
  auto& m = *metrics_.by_name[name];
  // Latency is recorded for every response that arrived, whatever its status, and for every
  // request abandoned at its timeout; other transport failures have no latency and are
  // counted by kind instead.
  if (http::has_latency(kind)) {
    m.corrected.record(nanos_between(intended, done));
    m.service.record(nanos_between(sent, done));
  }
  m.counters.received(response.bytes_received);
  if (response.resent) m.counters.resent();
  if (response.redirects > 0) m.counters.redirected(static_cast<uint64_t>(response.redirects));
  if (kind == http::ErrorKind::kNone) {
    m.counters.completed();
  } else {
    m.counters.error(kind);
    note_error(kind, response.error_detail.empty() ? "HTTP " + std::to_string(response.status) : response.error_detail);
    if (response.h2_error_code != http::Response::kNoH2ErrorCode) {
      metrics_.h2_error_codes[static_cast<size_t>(kind)][std::min<size_t>(response.h2_error_code, http::kH2ErrorCodes)]
          .fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void Worker::note_error(http::ErrorKind kind, const std::string& detail) {
  auto& seen = seen_error_[static_cast<size_t>(kind)];
  if (seen) return;
  seen = true;
  std::lock_guard lock(errors_mutex_);
  first_errors_.emplace(kind, detail);
}

std::map<http::ErrorKind, std::string> Worker::first_errors() const {
  std::lock_guard lock(errors_mutex_);
  return first_errors_;
}

std::map<size_t, std::string> Worker::first_flow_failures() const {
  std::lock_guard lock(errors_mutex_);
  return first_flow_failures_;
}

net::awaitable<void> Worker::run_closed_model() {
  const auto threads = static_cast<int64_t>(config_.threads);
  const auto shards = static_cast<int64_t>(config_.shard_count);
  // Users are numbered globally: user u belongs to shard u mod N and, of that shard's, to
  // thread (u / N) mod T. This thread's are first, first + T*N, ...
  const int64_t stride = threads * shards;
  const int64_t first = static_cast<int64_t>(index_) * shards + config_.shard_index;
  std::vector<std::shared_ptr<User>> users;
  uint64_t next_local = 0;
  while (!stopping() && !builder_.all_disabled()) {
    const auto elapsed = Clock::now() - start_;
    if (elapsed >= config_.plan.duration()) break;
    const auto wanted_total = static_cast<int64_t>(std::llround(config_.plan.level_at(elapsed)));
    const int64_t wanted = wanted_total > first ? (wanted_total - first + stride - 1) / stride : 0;
    std::erase_if(users, [](const auto& u) { return u->retired; });
    while (static_cast<int64_t>(users.size()) < wanted) {
      auto user = std::make_shared<User>();
      user->id = next_local++ * static_cast<uint64_t>(stride) + static_cast<uint64_t>(first);
      users.push_back(user);
      net::co_spawn(ioc_, run_user(user), net::detached);
    }
    while (static_cast<int64_t>(users.size()) > wanted) {
      users.back()->retired = true;  // finishes its current request, then leaves
      users.pop_back();
    }
    metrics_.active_users.store(static_cast<int64_t>(users.size()), std::memory_order_relaxed);
    co_await sleep_until(Clock::now() + std::chrono::milliseconds(20));
  }
  for (auto& u : users) u->retired = true;
  metrics_.active_users.store(0, std::memory_order_relaxed);
  // Users finish the request they are on; shared connections (HTTP/2's, or load.connections')
  // close after the last.
  schedule_done_ = true;
  close_idle_when_drained();
}

net::awaitable<void> Worker::run_user(std::shared_ptr<User> user) {
  std::unique_ptr<http::Connection> conn;
  // With load.connections the users share that many connections (HTTP/1.1: one request each
  // at a time; a user waits for a free one); without it each user keeps its own.
  const bool shared = config_.connections > 0 && !h2_;
  for (uint64_t iteration = 0; !user->retired && !stopping(); ++iteration) {
    if (Clock::now() - start_ >= config_.plan.duration()) break;
    auto next = next_pick();
    if (!next) break;  // every flow's feed ran out (at_end: stop)
    if (builder_.is_flow(next->pick)) {
      if (!next->feed_failed) {
        const size_t flow = next->pick - config_.requests.size();
        metrics_.by_name[layout_.flows[flow].flow]->counters.scheduled();
        metrics_.in_flight.fetch_add(1, std::memory_order_relaxed);
        co_await run_flow(flow, std::move(next->vars), iteration, user->id, Clock::now(), shared ? nullptr : &conn);
        if (config_.think_time.count() > 0 && !stopping()) co_await sleep_until(Clock::now() + config_.think_time);
      } else {
        // No row (at_end: fail): the user tries again a little later, not in a tight loop.
        co_await sleep_until(Clock::now() + std::max<Nanos>(config_.think_time, std::chrono::milliseconds(10)));
      }
      continue;
    }
    const size_t name = next->pick;
    auto& counters = metrics_.by_name[name]->counters;
    counters.scheduled();
    const auto request = builder_.build(name, iteration, user->id);
    metrics_.in_flight.fetch_add(1, std::memory_order_relaxed);
    const auto ready = Clock::now();
    if (shared) {
      conn = co_await acquire_connection();
    } else if (!conn) {
      conn = new_connection();
    }
    if (!conn) {  // aborted while waiting for a shared connection: never sent
      counters.not_sent();
      metrics_.in_flight.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
    counters.sent();
    const auto sent = Clock::now();
    const auto response = co_await exchange_following(conn, request, config_.requests[name], sent);
    // A closed loop has no schedule: the user was ready to send at `ready`; waiting for a shared
    // connection or a stream is part of what it felt.
    record(name, response, ready, went_out(response, sent), Clock::now());
    metrics_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (shared) {
      release_connection(std::move(conn));
    } else if (!conn->reusable()) {
      conn.reset();
    }
    if (config_.think_time.count() > 0 && !stopping()) co_await sleep_until(Clock::now() + config_.think_time);
  }
  user->retired = true;
  close_idle_when_drained();
}

}  // namespace loadgen::load
