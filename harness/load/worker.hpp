#pragma once

// Internal to the engine (includes Asio): one event loop thread's share of the load.
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "harness/core/asio.hpp"
#include "harness/http/connection.hpp"
#include "harness/http/h2_pool.hpp"
#include "harness/load/engine.hpp"
#include "harness/load/feed.hpp"
#include "harness/load/flow_step.hpp"
#include "harness/load/request_builder.hpp"

namespace loadgen::load {

namespace net = boost::asio;

inline int64_t nanos_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<Nanos>(to - from).count();
}

class Worker {
 public:
  Worker(const EngineConfig& config, const MetricLayout& layout, std::vector<Feed*> feeds, int index,
         net::ip::tcp::endpoint endpoint, net::ssl::context* tls_context);

  // Runs this worker's schedule to the end (or until stopped) in the calling thread.
  void run(Clock::time_point start);
  void stop_scheduling();  // thread-safe
  void abort();            // thread-safe: closes every connection
  bool finished() const { return finished_.load(); }

  WorkerMetrics& metrics() { return metrics_; }
  std::map<http::ErrorKind, std::string> first_errors() const;
  std::map<size_t, std::string> first_flow_failures() const;

 private:
  using Timer = net::steady_timer;
  struct User {
    uint64_t id = 0;
    bool retired = false;
  };
  // A request waiting for one of the worker's connections; served first come, first served.
  struct ConnectionWaiter {
    explicit ConnectionWaiter(net::io_context& ioc) : wake(ioc, Clock::time_point::max()) {}
    Timer wake;
    std::unique_ptr<http::Connection> handed;  // a connection passed on by release
    bool may_open = false;                     // or the right to open a new one
  };

  net::awaitable<void> run_open_model();
  net::awaitable<void> run_closed_model();
  net::awaitable<void> run_user(std::shared_ptr<User> user);
  net::awaitable<void> send_one(size_t name, uint64_t seq, Clock::time_point intended);

  // Flows (worker_flow.cpp). A flow instance's feed rows are taken when it is scheduled.
  enum class Rows { kTaken, kStopped, kFailed };
  Rows take_rows(size_t flow, FlowVars& vars);
  // What to run next: a pick, with flows whose feed stopped left out. Nothing once all are.
  struct Next {
    size_t pick = 0;
    FlowVars vars;  // a flow's starting values and feed row
    bool feed_failed = false;
  };
  std::optional<Next> next_pick();
  void record_feed_failure(size_t flow);
  // Runs one flow instance; `own` is a virtual user's connection (closed model), else null.
  net::awaitable<void> run_flow(size_t flow, FlowVars vars, uint64_t seq, uint64_t vu, Clock::time_point intended,
                                std::unique_ptr<http::Connection>* own);
  // One step, with its polls or pages; kNone when it succeeded.
  net::awaitable<http::ErrorKind> run_step(size_t flow, size_t step, FlowVars& vars, uint64_t seq, uint64_t vu,
                                           Clock::time_point flow_intended, Clock::time_point flow_started,
                                           std::unique_ptr<http::Connection>* own);
  net::awaitable<http::Response> send_step(const http::Request& request, const scenario::RequestSpec& spec,
                                           std::unique_ptr<http::Connection>* own, Clock::time_point& sent);
  // Sleeps until `when` even through stop_scheduling (flows in flight finish); not on abort.
  net::awaitable<void> pause_until(Clock::time_point when);
  void record_kind(size_t name, http::ErrorKind kind, const http::Response& response, Clock::time_point intended,
                   Clock::time_point sent, Clock::time_point done);
  void note_flow_failure(size_t flow, const std::string& message);
  net::awaitable<http::Response> exchange(std::unique_ptr<http::Connection>& conn, const http::Request& request);
  // exchange(), then each redirect it gets (up to the spec's max_redirects), on `conn` while the
  // server keeps it open (a new connection takes its place when it closes): one request for
  // the metrics, ending with the final response (Response::redirects: the hops followed) or
  // with a redirect error. The request's timeout covers the whole chain, from `sent` (now).
  net::awaitable<http::Response> exchange_following(std::unique_ptr<http::Connection>& conn,
                                                    const http::Request& request,
                                                    const scenario::RequestSpec& spec, Clock::time_point sent);
  void record(size_t name, const http::Response& response, Clock::time_point intended,
              Clock::time_point sent, Clock::time_point done);
  void note_error(http::ErrorKind kind, const std::string& detail);
  std::unique_ptr<http::Connection> new_connection();
  http::ConnectionOptions connection_options();
  net::awaitable<std::unique_ptr<http::Connection>> acquire_connection();
  void release_connection(std::unique_ptr<http::Connection> conn);
  net::awaitable<void> sleep_until(Clock::time_point when);
  void close_idle_when_drained();
  // When the request really went out: HTTP/2 may have waited for a free stream after `sent`.
  static Clock::time_point went_out(const http::Response& response, Clock::time_point sent);
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  const EngineConfig& config_;
  const MetricLayout& layout_;
  std::vector<Feed*> feeds_;
  std::vector<std::vector<size_t>> flow_feeds_;                   // per flow: indexes into feeds_
  std::vector<std::vector<std::vector<bool>>> kept_columns_;       // per flow, per feed: sent?
  std::vector<std::vector<std::vector<CompiledExtract>>> extracts_;  // per flow, per step
  std::vector<std::string> row_;                                   // scratch for feed rows
  bool keep_headers_ = false;                                      // a step extracts a header
  const int index_;
  // Only this worker's thread touches its sockets and timers (others only post to it), so
  // the reactor's per-descriptor locking is switched off; the scheduler keeps its lock.
  net::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  net::ip::tcp::endpoint endpoint_;
  net::ssl::context* tls_context_;
  RequestBuilder builder_;
  WorkerMetrics metrics_;
  Clock::time_point start_;
  int max_in_flight_;
  int max_connections_;
  // HTTP/2 (target.http, negotiated by the engine): connections shared by every request.
  std::unique_ptr<http::H2Pool> h2_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> aborting_{false};
  std::atomic<bool> finished_{false};

  // Owned by the worker thread only.
  std::vector<std::unique_ptr<http::Connection>> idle_;
  int open_connections_ = 0;  // idle and busy
  bool schedule_done_ = false;
  std::deque<ConnectionWaiter*> connection_waiters_;
  // Exchanges under way, for abort(); each connection knows its index here (owner_slot).
  std::vector<http::Connection*> busy_;
  // Pauses of the schedule (and of users' think times): the end of the plan cuts them short.
  // Requests waiting for a connection are not among them: they are due, and still go out.
  std::unordered_set<Timer*> waiting_;
  std::array<bool, http::kErrorKinds> seen_error_{};
  std::vector<bool> flow_failure_seen_;

  mutable std::mutex errors_mutex_;
  std::map<http::ErrorKind, std::string> first_errors_;
  std::map<size_t, std::string> first_flow_failures_;
};

}  // namespace loadgen::load
