#include "harness/http/h2_pool.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

namespace loadgen::http {
namespace {

class H2Lease final : public Connection {
  static constexpr int kMaxAttempts = 100;

 public:
  explicit H2Lease(H2Pool& pool) : pool_(pool) {}

  net::awaitable<Response> exchange(const Request& request) override {
    // A request the server never processed (refused by its GOAWAY, or its connection closed
    // before the stream opened) is sent again, on another connection, within its own timeout.
    // When every connection rotates at once (a server's max requests per connection), the next
    // may refuse it as well: it goes again until its timeout (at most 100 times, for a server
    // that refuses everything), ahead of new requests.
    const auto deadline = std::chrono::steady_clock::now() + request.timeout;
    std::optional<Request> again;
    bool went_out = false;
    for (int attempt = 0;; ++attempt) {
      if (!session_ || !session_->usable()) session_ = pool_.pick();
      auto session = session_;  // a close() during the exchange must not free it under us
      bool unprocessed = false;
      auto response = co_await session->exchange(again ? *again : request, attempt > 0, unprocessed);
      const auto left = deadline - std::chrono::steady_clock::now();
      if (!unprocessed || attempt == kMaxAttempts - 1 || closed_ || left <= std::chrono::nanoseconds::zero()) {
        response.resent = went_out;
        co_return response;
      }
      if (response.stream_opened != std::chrono::steady_clock::time_point{}) went_out = true;
      // A server refusing every stream is not hammered with reconnects: from the third try on,
      // a pause that doubles (1 ms, 2 ms ... 100 ms at most), within the request's timeout.
      if (attempt >= 1) {
        const auto pause = std::min<std::chrono::nanoseconds>(std::chrono::milliseconds(1 << std::min(attempt - 1, 7)),
                                                              std::chrono::milliseconds(100));
        if (pause >= left) {
          response.resent = went_out;
          co_return response;
        }
        net::steady_timer timer(pool_.executor(), pause);
        boost::system::error_code ec;
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        if (closed_) {
          response.resent = went_out;
          co_return response;
        }
      }
      if (!again) again = request;
      again->timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
      session_.reset();
    }
  }
  // The lease outlives its connections: a closed one is replaced at the next exchange.
  bool reusable() const override { return !closed_; }
  void close() override {
    closed_ = true;
    if (session_) session_->close();
  }

 private:
  H2Pool& pool_;
  std::shared_ptr<H2Session> session_;
  bool closed_ = false;
};

}  // namespace

H2Pool::H2Pool(net::any_io_executor executor, net::ip::tcp::endpoint endpoint, const Endpoint& target,
               net::ssl::context* tls_context, ConnectionOptions options, int max_connections)
    : executor_(std::move(executor)),
      endpoint_(endpoint),
      target_(target),
      tls_context_(tls_context),
      options_(options),
      max_connections_(static_cast<size_t>(std::max(1, max_connections))) {}

std::unique_ptr<Connection> H2Pool::lease() { return std::make_unique<H2Lease>(*this); }

std::shared_ptr<H2Session> H2Pool::pick() {
  // Closed and GOAWAY'd connections leave the pool; their streams still in flight keep them.
  std::erase_if(sessions_, [](const auto& s) { return !s->usable(); });
  H2Session* best = nullptr;
  std::shared_ptr<H2Session> chosen;
  for (const auto& s : sessions_) {
    if (s->load() < s->capacity() && (best == nullptr || s->load() < best->load())) {
      best = s.get();
      chosen = s;
    }
  }
  if (chosen) return chosen;
  if (sessions_.size() < max_connections_) {
    sessions_.push_back(make_h2_session(executor_, endpoint_, target_, tls_context_, options_));
    if (draining_) sessions_.back()->close_when_idle();
    return sessions_.back();
  }
  // Every stream of every connection is busy: wait on the least loaded (that wait is send lag).
  return *std::min_element(sessions_.begin(), sessions_.end(),
                           [](const auto& a, const auto& b) { return a->load() < b->load(); });
}

void H2Pool::drain() {
  draining_ = true;
  for (auto& s : sessions_) s->close_when_idle();
}

void H2Pool::close_all() {
  draining_ = true;
  for (auto& s : sessions_) s->close();
  sessions_.clear();
}

}  // namespace loadgen::http
