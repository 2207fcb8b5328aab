#pragma once

// Internal to the engine (includes Asio): one event loop thread's share of the load.
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "harness/core/asio.hpp"
#include "harness/http/connection.hpp"
#include "harness/load/engine.hpp"
#include "harness/load/request_builder.hpp"

namespace loadgen::load {

namespace net = boost::asio;

class Worker {
 public:
  Worker(const EngineConfig& config, int index, net::ip::tcp::endpoint endpoint,
         net::ssl::context* tls_context);

  // Runs this worker's schedule to the end (or until stopped) in the calling thread.
  void run(Clock::time_point start);
  void stop_scheduling();  // thread-safe
  void abort();            // thread-safe: closes every connection
  bool finished() const { return finished_.load(); }

  WorkerMetrics& metrics() { return metrics_; }
  std::map<http::ErrorKind, std::string> first_errors() const;

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
  net::awaitable<http::Response> exchange(std::unique_ptr<http::Connection>& conn, const http::Request& request);
  void record(size_t name, const http::Response& response, Clock::time_point intended,
              Clock::time_point sent, Clock::time_point done);
  void note_error(http::ErrorKind kind, const std::string& detail);
  std::unique_ptr<http::Connection> new_connection();
  net::awaitable<std::unique_ptr<http::Connection>> acquire_connection();
  void release_connection(std::unique_ptr<http::Connection> conn);
  net::awaitable<void> sleep_until(Clock::time_point when);
  void close_idle_when_drained();
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  const EngineConfig& config_;
  const int index_;
  net::io_context ioc_{1};
  net::ip::tcp::endpoint endpoint_;
  net::ssl::context* tls_context_;
  RequestBuilder builder_;
  WorkerMetrics metrics_;
  Clock::time_point start_;
  int max_in_flight_;
  int max_connections_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> aborting_{false};
  std::atomic<bool> finished_{false};

  // Owned by the worker thread only.
  std::vector<std::unique_ptr<http::Connection>> idle_;
  int open_connections_ = 0;  // idle and busy
  bool schedule_done_ = false;
  std::deque<ConnectionWaiter*> connection_waiters_;
  std::unordered_set<http::Connection*> busy_;
  std::unordered_set<Timer*> waiting_;
  std::array<bool, http::kErrorKinds> seen_error_{};

  mutable std::mutex errors_mutex_;
  std::map<http::ErrorKind, std::string> first_errors_;
};

}  // namespace loadgen::load
